// Fault injection for the Rokt simulator: rules that make chosen requests fail in chosen ways.

import { seededRandom } from './seeded-random.js';

export type Fault =
  /** Answer this status without processing the request. A string body is sent verbatim as text. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: unknown }
  /** Reset the connection before processing: nothing is accepted. */
  | { kind: 'reset' }
  /** Process normally (events accepted, idempotency key recorded, audience applied), then close without answering. */
  | { kind: 'drop-after-processing' }
  /** Process normally, then answer after `ms` (the client may give up first). */
  | { kind: 'delay'; ms: number }
  /** Answer 200 listing these events (when present) as unprocessed; accept the others. Events requests only. */
  | { kind: 'unprocessed'; clientEventIds: string[] };

export interface FaultRule {
  /** Only requests to this path (exact string, or a RegExp tested against the path). Default: any path. */
  path?: string | RegExp;
  /** Only requests whose events include this clientEventId. */
  clientEventId?: string;
  /** How many matching requests the rule applies to. Default 1; Infinity = always. */
  times?: number;
  fault: Fault;
}

/** Faults applied before the request is looked at, as opposed to after it passed auth and validation. */
export type PreProcessingFault = Extract<Fault, { kind: 'status' | 'reset' }>;

export function isPreProcessingFault(fault: Fault): fault is PreProcessingFault {
  return fault.kind === 'status' || fault.kind === 'reset';
}

/** A rule plus how many more requests it may still apply to. */
export interface ArmedRule {
  readonly rule: FaultRule;
  remaining: number;
}

/**
 * Faults drawn at random for a share of requests, from a seeded generator: the same seed gives the
 * same sequence of decisions, so a failing run can be replayed.
 */
export interface RandomFaults {
  seed: number;
  /** Share of matching requests that get a fault, 0..1. */
  rate: number;
  /** Drawn with equal weight. An 'unprocessed' fault with no ids refuses the request's first event. */
  faults: Fault[];
  /** Only requests to matching paths. Default: the events and audience import endpoints. */
  path?: RegExp;
}

const DATA_PATHS = /^\/(v1\/events|v2\/events|v3\/import\/suppression|api\/1\.0\/import\/suppression)$/;

/** The ordered list of fault rules; the first matching rule with uses left wins, then random faults. */
export class FaultBook {
  readonly #rules: ArmedRule[] = [];
  #random?: { plan: RandomFaults; next: () => number };

  setRandom(plan: RandomFaults | undefined): void {
    if (plan && (plan.rate < 0 || plan.rate > 1 || plan.faults.length === 0)) throw new RangeError('RandomFaults needs a rate in 0..1 and at least one fault');
    this.#random = plan ? { plan, next: seededRandom(plan.seed) } : undefined;
  }

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times >= 1)) throw new RangeError(`FaultRule.times must be at least 1 (got ${times})`);
    this.#rules.push({ rule, remaining: times });
  }

  /** Finds the rule for a request without using it up: post-processing faults only count once applied. */
  match(path: string, clientEventIds: readonly string[]): ArmedRule | undefined {
    return this.#rules.find((armed) => armed.remaining > 0 && ruleMatches(armed.rule, path, clientEventIds)) ?? this.#drawRandom(path, clientEventIds);
  }

  #drawRandom(path: string, clientEventIds: readonly string[]): ArmedRule | undefined {
    const random = this.#random;
    if (!random || !(random.plan.path ?? DATA_PATHS).test(path)) return undefined;
    if (random.next() >= random.plan.rate) return undefined;
    let fault = random.plan.faults[Math.floor(random.next() * random.plan.faults.length)] as Fault;
    if (fault.kind === 'unprocessed' && fault.clientEventIds.length === 0) {
      if (clientEventIds.length === 0) return undefined;
      fault = { kind: 'unprocessed', clientEventIds: [clientEventIds[0] as string] };
    }
    return { rule: { fault }, remaining: 1 };
  }

  consume(armed: ArmedRule): void {
    armed.remaining -= 1;
  }
}

function ruleMatches(rule: FaultRule, path: string, clientEventIds: readonly string[]): boolean {
  if (typeof rule.path === 'string' && rule.path !== path) return false;
  // String#search ignores a /g regex's lastIndex, so a shared RegExp matches the same way every time.
  if (rule.path instanceof RegExp && path.search(rule.path) < 0) return false;
  if (rule.clientEventId !== undefined && !clientEventIds.includes(rule.clientEventId)) return false;
  // An 'unprocessed' rule needs one of its events in the request, or there is nothing to refuse.
  if (rule.fault.kind === 'unprocessed') {
    const targeted = new Set(rule.fault.clientEventIds);
    return clientEventIds.some((id) => targeted.has(id));
  }
  return true;
}

const ERROR_CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'RequestValidationError',
  401: 'UnauthorizedError',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'ServiceUnavailableError',
  503: 'ServiceUnavailableError',
  504: 'ServiceUnavailableError',
};

/** The body a 'status' fault answers with: the rule's own, or a Rokt-shaped error. */
export function statusFaultBody(fault: Extract<Fault, { kind: 'status' }>): unknown {
  if (fault.body !== undefined) return fault.body;
  const code = ERROR_CODE_BY_STATUS[fault.status] ?? 'SimulatedFault';
  return { data: { code, message: `simulated ${fault.status} fault` } };
}
