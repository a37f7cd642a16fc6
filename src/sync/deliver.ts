import { randomUUID } from 'node:crypto';
import { FatalApiError, RetryableApiError } from '../errors.js';
import { AuthExchangeError } from '../rokt/auth.js';
import { exchangeContext } from '../rokt/exchange-context.js';
import { describeRokt } from '../rokt/describe.js';
import { NetworkError, type ApiResponse } from '../rokt/http.js';
import { classifyStatus, retryAfterMs, retryDelayMs, type RetryPolicy } from '../rokt/retry.js';
import type { RequestGate } from './concurrency/gate.js';

/** One kind of request (events; one audience list, action and identifier kind). */
export interface DeliveryTarget<I> {
  /** For messages: "events request", "audience 'VIP' include request". */
  readonly name: string;
  readonly conflictMeansDelivered: boolean;
  send(items: readonly I[], requestKey: string): Promise<ApiResponse>;
  /** Input line numbers by stream of the records the items carry (for the API-call debug log). */
  records?(items: readonly I[]): Record<string, number[]>;
  /** Items a 2xx answer says Rokt did not process, with Rokt's reason. */
  unprocessed?(items: readonly I[], response: ApiResponse): Map<I, string>;
}

export interface DeliveryResult<I> {
  accepted: I[];
  rejected: { item: I; reason: string }[];
  /**
   * Delivered as far as can be known, without a verdict: an idempotent retry answered 409 (the
   * earlier attempt landed but its answer was lost), so events Rokt refused in that lost answer
   * cannot be told apart. Counted apart, never as verified.
   */
  unverified: I[];
}

export interface DeliveryContext {
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  counters: { requests: number; retries: number; splits: number };
  /** True once the run is being interrupted: requests in flight finish, but no retry starts. */
  stopRetrying?: () => boolean;
  /** Pass attempt and record context to the HTTP layer (only the API-call debug log needs it). */
  traceExchanges?: boolean;
  /**
   * The API family's gate (RequestPool.gate): when each request may go (adaptive concurrency, a
   * family-wide Retry-After pause, pacing), fed with every answer. Without it requests go at once.
   */
  gate?: RequestGate;
}

/**
 * Delivers items as one request, retrying what may succeed later, splitting a request Rokt refused
 * as a whole until the offending items are isolated, and failing fatally on credential problems.
 * Each (sub-)request has one key (v1 Idempotency-Key) for all of its retries.
 */
export async function deliver<I>(items: readonly I[], target: DeliveryTarget<I>, context: DeliveryContext): Promise<DeliveryResult<I>> {
  const { policy, now, counters } = context;
  const requestKey = randomUUID();
  const startedAt = now();
  for (let retry = 0; ; retry += 1) {
    let failure: string;
    let waitHint: number | undefined;
    let status: number | undefined;
    const gate = context.gate;
    const send = gate ? () => gate.send(() => target.send(items, requestKey), { retry: retry > 0 }) : () => target.send(items, requestKey);
    try {
      counters.requests += 1;
      // AsyncLocalStorage turns on promise hooks for the whole process: only when someone listens.
      const response = context.traceExchanges ? await exchangeContext.run({ attempt: retry + 1, records: target.records?.(items) ?? {} }, send) : await send();
      const verdict = classifyStatus(response.status, { conflictMeansDelivered: target.conflictMeansDelivered });
      if (verdict === 'delivered') {
        if (response.status === 409) return { accepted: [], rejected: [], unverified: [...items] };
        return acceptedExcept(items, target.unprocessed?.(items, response));
      }
      if (verdict === 'split') return split(items, target, context, response);
      if (verdict === 'auth') {
        throw new FatalApiError(`Rokt refused the ${target.name} with ${describeRokt(response)}: check the credentials (and account_id, where the API takes one), and that they are allowed this API`, {
          status: response.status,
        });
      }
      if (verdict === 'fatal') throw new FatalApiError(`Rokt answered the ${target.name} with ${describeRokt(response)}`, { status: response.status });
      failure = describeRokt(response);
      status = response.status;
      waitHint = retryAfterMs(response.headers['retry-after'], now());
    } catch (error) {
      if (error instanceof AuthExchangeError) {
        const verdict = classifyStatus(error.response.status, { conflictMeansDelivered: false });
        if (verdict !== 'retry') throw new FatalApiError(`Rokt refused ${error.exchange} answered ${describeRokt(error.response)}`, { status: 401 });
        failure = `${error.exchange} answered ${describeRokt(error.response)}`;
      } else if (error instanceof NetworkError) {
        failure = error.message;
      } else {
        throw error;
      }
    }
    const delay = gate ? gate.retryDelayMs({ retry, retryAfter: waitHint, status, policy }) : retryDelayMs({ retry, retryAfter: waitHint, policy });
    const elapsed = now() - startedAt;
    const notRetried = () => new RetryableApiError(`The ${target.name} was not retried because the run is stopping; last: ${failure}`);
    if (context.stopRetrying?.()) throw notRetried();
    if (retry >= policy.maxRetries || elapsed + delay > policy.maxElapsedMs) {
      throw new RetryableApiError(`The ${target.name} failed after ${retry + 1} attempts over ${Math.round(elapsed / 1000)} s; last: ${failure}`, {
        attempts: retry + 1,
      });
    }
    counters.retries += 1;
    await (gate ? gate.backoff(() => context.sleep(delay)) : context.sleep(delay));
    // The signal may have come while waiting.
    if (context.stopRetrying?.()) throw notRetried();
  }
}

function acceptedExcept<I>(items: readonly I[], unprocessed: Map<I, string> | undefined): DeliveryResult<I> {
  if (!unprocessed || unprocessed.size === 0) return { accepted: [...items], rejected: [], unverified: [] };
  const result: DeliveryResult<I> = { accepted: [], rejected: [], unverified: [] };
  for (const item of items) {
    const reason = unprocessed.get(item);
    if (reason === undefined) result.accepted.push(item);
    else result.rejected.push({ item, reason });
  }
  return result;
}

/** Halves a refused request; a single refused item is rejected with Rokt's reason. */
async function split<I>(items: readonly I[], target: DeliveryTarget<I>, context: DeliveryContext, response: ApiResponse): Promise<DeliveryResult<I>> {
  if (items.length === 1) return { accepted: [], rejected: [{ item: items[0] as I, reason: `Rokt refused it: ${describeRokt(response)}` }], unverified: [] };
  context.counters.splits += 1;
  const middle = Math.ceil(items.length / 2);
  const first = await deliver(items.slice(0, middle), target, context);
  const second = await deliver(items.slice(middle), target, context);
  return { accepted: [...first.accepted, ...second.accepted], rejected: [...first.rejected, ...second.rejected], unverified: [...first.unverified, ...second.unverified] };
}
