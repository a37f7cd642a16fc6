// A local stand-in for Rokt's Event API and Custom Audience API, following Rokt's public API docs (docs.rokt.com).
// One node:http server serves both APIs on one port, records every request and what it accepted,
// and can inject faults (errors, resets, dropped answers, delays, partially refused batches).

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultBook, isPreProcessingFault, statusFaultBody, type Fault, type FaultRule, type RandomFaults } from './faults.js';
import type { LoadLimit } from './limits.js';
import { MparticleBulkEvents } from './mparticle.js';
import {
  clientEventIdsOf,
  isRecord,
  parseAudienceImport,
  parseEvents,
  type AudienceImport,
  type AudienceKey,
} from './validate.js';

export type { Fault, FaultRule, RandomFaults } from './faults.js';

/** Statuses that say the request itself is wrong (as opposed to auth, rate limits or outages). */
const CONTENT_REFUSALS = new Set([400, 413, 422]);

export interface SimulatorCredentials {
  accountId: string;
  appId: string;
  appSecret: string;
  publicKey: string;
  secretKey: string;
  apiKey: string;
}

export const DEFAULT_SIMULATOR_CREDENTIALS: SimulatorCredentials = {
  accountId: '1234567890',
  appId: 'sim-app-id',
  appSecret: 'sim-app-secret',
  publicKey: 'rpub-sim-public',
  secretKey: 'rsec-sim-secret',
  apiKey: 'sim-api-key',
};

export interface SimulatorOptions {
  credentials?: Partial<SimulatorCredentials>;
  /** Spelling of the token field in the OAuth answer ([U] in the contract). Default 'access_token'. */
  tokenField?: 'access_token' | 'Access_token';
  /** Returned as expires_in; tokens stop working after it (measured with `now`). Default 3600. */
  tokenTtlSeconds?: number;
  /** Body of a fully successful events answer: 'empty' = none, 'data' = {"data":{"unprocessedRecords":[]}}. Default 'data'. */
  eventsSuccessBody?: 'empty' | 'data';
  /** Status of a successful audience import. Default 201. */
  audienceSuccessStatus?: number;
  /** Answer every request this long after it arrived (its processing time included, as at a real API). Default 0. */
  latencyMs?: number;
  /** Clock (ms) for token expiry, the idempotency window and the eventTime window. Default Date.now. */
  now?: () => number;
  /** How long a used v1 Idempotency-Key earns a 409. Default 3 hours. */
  idempotencyWindowMs?: number;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** Parsed JSON, the parsed form for the token endpoint, or undefined. */
  body: unknown;
  /** What the client got; 0 while the answer is still pending (latency or a delay fault). */
  status: number | 'reset' | 'dropped';
}

export interface AcceptedEvent {
  clientEventId: string;
  event: Record<string, unknown>;
  requestSeq: number;
  /** Global monotonic counter across accepted events and audience ops. */
  order: number;
}

export interface AudienceOp {
  requestSeq: number;
  order: number;
  list: string;
  action: 'include' | 'exclude';
  key: AudienceKey;
  identifiers: string[];
  api: 'v3' | '1.0';
}

export const ROKT_VERSION = '2020-05-21';
export const MAX_EVENTS_BODY_BYTES = 1_000_000;
// No documented limit for audience imports; this only keeps a runaway client from exhausting memory.
const MAX_BUFFERED_BODY_BYTES = 64 * 1024 * 1024;
const TOKEN_PATH = '/auth/oauth2/token';

/** An HTTP answer the simulator gives. A string body is sent as text, anything else as JSON. */
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What happens to a request once decided: an answer (maybe delayed), a reset, or silence. */
type Outcome = ({ kind: 'answer'; delayMs?: number } & Answer) | { kind: 'reset' } | { kind: 'drop' };

interface Route {
  method: 'GET' | 'POST';
  maxBodyBytes?: number;
  handle: (request: RecordedRequest, fault: Fault | undefined) => Answer;
}

type ResolvedOptions = Required<Omit<SimulatorOptions, 'credentials'>>;

/**
 * The simulator. Emits 'request' (a RecordedRequest) after each request is answered, reset or dropped.
 * Requests are handled in arrival order and all state lives in memory; stop() closes everything.
 */
export class RoktSimulator extends EventEmitter {
  readonly credentials: SimulatorCredentials;
  readonly requests: RecordedRequest[] = [];
  readonly acceptedEvents: AcceptedEvent[] = [];
  readonly audienceOps: AudienceOp[] = [];
  /** The Event and Audience API (mParticle `/v2/bulkevents`): its credentials, switches and what it accepted. */
  readonly mparticle = new MparticleBulkEvents(() => this.#now());

  readonly #options: ResolvedOptions;
  readonly #faults = new FaultBook();
  #load: LoadLimit | undefined;
  readonly #tokenExpiry = new Map<string, number>(); // token → expiry (ms)
  readonly #idempotencyKeyUse = new Map<string, number>(); // key → when its request was processed (ms)
  readonly #audienceLists = new Map<string, Set<string>>();
  readonly #pendingAnswers = new Set<NodeJS.Timeout>();
  #server: Server | undefined;
  #url: string | undefined;
  #seq = 0;
  #order = 0;

  readonly #routes = new Map<string, Route>([
    [TOKEN_PATH, { method: 'POST', handle: (r) => this.#issueToken(r) }],
    ['/v1/events', { method: 'POST', maxBodyBytes: MAX_EVENTS_BODY_BYTES, handle: (r, f) => this.#receiveEvents(r, 'v1', f) }],
    ['/v2/events', { method: 'POST', maxBodyBytes: MAX_EVENTS_BODY_BYTES, handle: (r, f) => this.#receiveEvents(r, 'v2', f) }],
    ['/v3/auth-check', { method: 'POST', handle: (r) => this.#checkV3Auth(r) }],
    ['/api/1.0/auth-check', { method: 'GET', handle: (r) => this.#refuseWrongApiKey(r) ?? { status: 200, body: {} } }],
    ['/v3/import/suppression', { method: 'POST', handle: (r) => this.#importAudience(r, 'v3') }],
    ['/api/1.0/import/suppression', { method: 'POST', handle: (r) => this.#importAudience(r, '1.0') }],
    ['/v2/bulkevents', { method: 'POST', handle: (r, f) => this.mparticle.receive(r, f) }],
  ]);

  constructor(options: SimulatorOptions = {}) {
    super();
    this.credentials = { ...DEFAULT_SIMULATOR_CREDENTIALS, ...options.credentials };
    this.#options = {
      tokenField: options.tokenField ?? 'access_token',
      tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
      eventsSuccessBody: options.eventsSuccessBody ?? 'data',
      audienceSuccessStatus: options.audienceSuccessStatus ?? 201,
      latencyMs: options.latencyMs ?? 0,
      now: options.now ?? Date.now,
      idempotencyWindowMs: options.idempotencyWindowMs ?? 3 * 60 * 60 * 1000,
    };
  }

  /** Starts listening (default 127.0.0.1, ephemeral port) and resolves to the base URL. */
  async start({ port = 0, host = '127.0.0.1' }: { port?: number; host?: string } = {}): Promise<string> {
    if (this.#server) throw new Error('the Rokt simulator is already running');
    const server = createServer((req, res) => void this.#onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const { port: boundPort } = server.address() as AddressInfo;
    this.#url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
    return this.#url;
  }

  /** Closes the server and every open connection, including idle keep-alive ones and pending answers. */
  async stop(): Promise<void> {
    for (const timer of this.#pendingAnswers) clearTimeout(timer);
    this.#pendingAnswers.clear();
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  }

  get url(): string {
    if (this.#url === undefined) throw new Error('the Rokt simulator has not been started');
    return this.#url;
  }

  /** Rules are checked in the order added; the first matching rule with uses left applies. */
  /** Faults for a seeded random share of data requests, after the explicit rules; undefined turns them off. */
  setRandomFaults(plan: RandomFaults | undefined): void {
    this.#faults.setRandom(plan);
  }

  addFault(rule: FaultRule): void {
    this.#faults.add(rule);
  }

  /** A load limit for data requests (a rate, requests at once, a queue: see limits.ts); undefined removes it. */
  setLoadLimit(limit: LoadLimit | undefined): void {
    this.#load = limit;
  }

  /** Current members of an audience list (all identifier kinds together; hex digests lowercased). */
  audienceMembers(list: string): Set<string> {
    return new Set(this.#audienceLists.get(list));
  }

  /** Answers held back by latency or a delay fault that have not been sent yet. */
  get pendingAnswers(): number {
    return this.#pendingAnswers.size;
  }

  /** The current value of the global order counter shared by accepted events and audience ops. */
  acceptedOrder(): number {
    return this.#order;
  }

  // ---- request lifecycle: read → record → decide → deliver ----

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    let body: { text: string; bytes: number };
    try {
      body = await readBody(req, MAX_BUFFERED_BODY_BYTES);
    } catch {
      res.destroy(); // the client went away mid-body: nobody to answer
      return;
    }
    const request = this.#record(req, body.text);
    const admission = this.#load?.admit(request, arrivedAt);
    if (admission?.kind === 'refuse') return this.#finish(request, res, { ...admission, kind: 'answer' });
    let outcome: Outcome;
    try {
      outcome = this.#decide(request, body.bytes);
    } catch (error) {
      outcome = { kind: 'answer', ...roktError(500, 'InternalServerError', `simulator bug: ${String(error)}`) };
    }
    if (admission && outcome.kind === 'answer') outcome.headers = { ...outcome.headers, ...admission.headers };
    // Answered as if it arrived after waiting in the limit's queue.
    this.#deliver(request, res, outcome, arrivedAt + (admission?.delayMs ?? 0));
  }

  #record(req: IncomingMessage, rawBody: string): RecordedRequest {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const request: RecordedRequest = {
      seq: ++this.#seq,
      method: req.method ?? 'GET',
      path,
      headers: { ...req.headers },
      rawBody,
      body: parseBody(path, rawBody),
      status: 0,
    };
    this.requests.push(request);
    return request;
  }

  /** Runs synchronously, so matching and using up a fault rule cannot interleave with another request. */
  #decide(request: RecordedRequest, bodyBytes: number): Outcome {
    const armed = this.#faults.match(request.path, clientEventIdsOf(request.body));
    if (!armed) return { kind: 'answer', ...this.#route(request, bodyBytes, undefined) };
    const { fault } = armed.rule;
    // An idempotent API answers a replayed key from its record (409): it cannot refuse as invalid
    // the body it already accepted, so a content refusal (400/413/422) does not apply to a replay.
    if (fault.kind === 'status' && CONTENT_REFUSALS.has(fault.status) && this.#isIdempotentReplay(request)) {
      return { kind: 'answer', ...this.#route(request, bodyBytes, undefined) };
    }
    if (isPreProcessingFault(fault)) {
      this.#faults.consume(armed);
      return fault.kind === 'reset' ? { kind: 'reset' } : { kind: 'answer', ...statusFaultAnswer(fault) };
    }
    const answer = this.#route(request, bodyBytes, fault);
    // Post-processing faults only apply (and only count) once the request passed auth and validation.
    if (answer.status < 200 || answer.status >= 300) return { kind: 'answer', ...answer };
    this.#faults.consume(armed);
    if (fault.kind === 'drop-after-processing') return { kind: 'drop' };
    return { kind: 'answer', ...answer, delayMs: fault.kind === 'delay' ? fault.ms : 0 };
  }

  #route(request: RecordedRequest, bodyBytes: number, fault: Fault | undefined): Answer {
    const route = this.#routes.get(request.path);
    if (!route) return roktError(404, 'NotFound', `no endpoint at ${request.path}`);
    if (request.method !== route.method) {
      const refusal = roktError(405, 'MethodNotAllowed', `${request.path} accepts ${route.method} only`);
      return { ...refusal, headers: { allow: route.method } };
    }
    const maxBytes = route.maxBodyBytes ?? MAX_BUFFERED_BODY_BYTES;
    if (bodyBytes > maxBytes) {
      return roktError(413, 'RequestEntityTooLarge', `the body is ${bodyBytes} bytes; the limit is ${maxBytes}`);
    }
    return route.handle(request, fault);
  }

  /** `latencyMs` counts from the request's arrival: like a real API's, it includes the time spent processing. */
  #deliver(request: RecordedRequest, res: ServerResponse, outcome: Outcome, arrivedAt: number): void {
    const latencyLeft = Math.max(0, this.#options.latencyMs - (performance.now() - arrivedAt));
    const waitMs = latencyLeft + (outcome.kind === 'answer' ? (outcome.delayMs ?? 0) : 0);
    if (waitMs <= 0) return this.#finish(request, res, outcome);
    const timer = setTimeout(() => {
      this.#pendingAnswers.delete(timer);
      this.#finish(request, res, outcome);
    }, waitMs);
    this.#pendingAnswers.add(timer);
  }

  #finish(request: RecordedRequest, res: ServerResponse, outcome: Outcome): void {
    if (outcome.kind === 'reset') {
      request.status = 'reset';
      res.socket?.resetAndDestroy(); // TCP RST: the client sees ECONNRESET
    } else if (outcome.kind === 'drop') {
      request.status = 'dropped';
      res.socket?.destroy(); // plain close: the client sees the socket hang up
    } else {
      request.status = outcome.status;
      writeAnswer(res, outcome);
    }
    this.#load?.finished(request.seq, performance.now());
    this.emit('request', request);
  }

  // ---- endpoints ----

  #issueToken(request: RecordedRequest): Answer {
    const { appId, appSecret } = this.credentials;
    const pair = basicCredentials(header(request, 'authorization'));
    if (pair?.user !== appId || pair.password !== appSecret) return { status: 401, body: { error: 'invalid_client' } };
    if (!isRecord(request.body) || request.body.grant_type !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    const token = randomBytes(24).toString('base64url');
    const ttlSeconds = this.#options.tokenTtlSeconds;
    this.#tokenExpiry.set(token, this.#now() + ttlSeconds * 1000);
    return { status: 200, body: { [this.#options.tokenField]: token, token_type: 'Bearer', expires_in: ttlSeconds } };
  }

  #receiveEvents(request: RecordedRequest, api: 'v1' | 'v2', fault: Fault | undefined): Answer {
    const refusal =
      (api === 'v1' ? this.#refuseBadBearer(request) : this.#refuseWrongKeyPair(request)) ??
      refuseWrongRoktVersion(request) ??
      (api === 'v1' ? this.#refuseIdempotencyKey(request) : undefined) ??
      refuseNonObjectBody(request.body) ??
      this.#refuseOtherAccount(request.body);
    if (refusal) return refusal;
    const events = parseEvents(request.body, this.#now());
    if (!events.ok) return roktError(400, 'RequestValidationError', events.problem);

    const idempotencyKey = header(request, 'idempotency-key');
    if (api === 'v1' && idempotencyKey !== undefined) this.#idempotencyKeyUse.set(idempotencyKey, this.#now());
    const refusedIds = new Set(fault?.kind === 'unprocessed' ? fault.clientEventIds : []);
    const unprocessedRecords: unknown[] = [];
    for (const event of events.value) {
      if (refusedIds.has(event.clientEventId)) {
        const message = `simulated refusal of clientEventId ${event.clientEventId}`;
        unprocessedRecords.push({ error: { code: 'ValidationError', message }, record: event });
      } else {
        this.acceptedEvents.push({ clientEventId: event.clientEventId, event, requestSeq: request.seq, order: ++this.#order });
      }
    }
    if (unprocessedRecords.length === 0 && this.#options.eventsSuccessBody === 'empty') return { status: 200 };
    return { status: 200, body: { data: { unprocessedRecords } } };
  }

  #checkV3Auth(request: RecordedRequest): Answer {
    const refusal =
      this.#refuseWrongKeyPair(request) ?? refuseNonObjectBody(request.body) ?? this.#refuseOtherAccount(request.body);
    return refusal ?? { status: 200, body: {} };
  }

  #importAudience(request: RecordedRequest, api: 'v3' | '1.0'): Answer {
    const refusal =
      api === 'v3'
        ? (this.#refuseWrongKeyPair(request) ?? refuseNonObjectBody(request.body) ?? this.#refuseOtherAccount(request.body))
        : (this.#refuseWrongApiKey(request) ?? refuseNonObjectBody(request.body));
    if (refusal) return refusal;
    const parsed = parseAudienceImport(request.body);
    if (!parsed.ok) return roktError(400, 'RequestValidationError', parsed.problem);
    this.#applyAudienceImport(parsed.value, request.seq, api);
    return { status: this.#options.audienceSuccessStatus, body: {} };
  }

  #applyAudienceImport(entry: AudienceImport, requestSeq: number, api: 'v3' | '1.0'): void {
    const members = this.#audienceLists.get(entry.list) ?? new Set<string>();
    this.#audienceLists.set(entry.list, members); // lists are created implicitly by name
    const hashed = entry.key === 'sha256' || entry.key === 'sha256s';
    for (const identifier of entry.identifiers) {
      const member = hashed ? identifier.toLowerCase() : identifier; // hex case carries no meaning
      if (entry.action === 'include') members.add(member);
      else members.delete(member);
    }
    this.audienceOps.push({ requestSeq, order: ++this.#order, api, ...entry });
  }

  // ---- checks: each returns the refusal to send, or undefined when the request passes ----

  #refuseBadBearer(request: RecordedRequest): Answer | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(header(request, 'authorization') ?? '')?.[1];
    const expiresAt = token === undefined ? undefined : this.#tokenExpiry.get(token);
    if (expiresAt === undefined) return roktError(401, 'UnauthorizedError', 'missing or unknown bearer token');
    if (this.#now() >= expiresAt) return roktError(401, 'UnauthorizedError', 'the bearer token has expired');
    return undefined;
  }

  #refuseWrongKeyPair(request: RecordedRequest): Answer | undefined {
    const { publicKey, secretKey } = this.credentials;
    const pair = basicCredentials(header(request, 'authorization'));
    if (pair?.user === publicKey && pair.password === secretKey) return undefined;
    return roktError(401, 'UnauthorizedError', 'expected Basic auth with the public and secret key');
  }

  #refuseWrongApiKey(request: RecordedRequest): Answer | undefined {
    if (header(request, 'authorization') === this.credentials.apiKey) return undefined;
    return roktError(401, 'UnauthorizedError', 'expected the raw API key in the Authorization header');
  }

  #isIdempotentReplay(request: RecordedRequest): boolean {
    if (request.path !== '/v1/events') return false;
    const usedAt = this.#idempotencyKeyUse.get(header(request, 'idempotency-key') ?? '');
    return usedAt !== undefined && this.#now() - usedAt < this.#options.idempotencyWindowMs;
  }

  #refuseIdempotencyKey(request: RecordedRequest): Answer | undefined {
    const key = header(request, 'idempotency-key');
    if (!key) return roktError(400, 'RequestValidationError', 'the Idempotency-Key header is required');
    const usedAt = this.#idempotencyKeyUse.get(key);
    if (usedAt !== undefined && this.#now() - usedAt < this.#options.idempotencyWindowMs) {
      return roktError(409, 'Conflict', `Idempotency-Key ${key} was already used`);
    }
    return undefined;
  }

  #refuseOtherAccount(body: unknown): Answer | undefined {
    if (isRecord(body) && body.accountId === this.credentials.accountId) return undefined;
    return roktError(403, 'Forbidden', 'these credentials are not allowed on this accountId');
  }

  #now(): number {
    return this.#options.now();
  }
}

// ---- helpers ----

async function readBody(req: IncomingMessage, maxBufferedBytes: number): Promise<{ text: string; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= maxBufferedBytes) chunks.push(chunk); // past the cap: drain only; it earns a 413
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes };
}

function parseBody(path: string, rawBody: string): unknown {
  if (path === TOKEN_PATH) return Object.fromEntries(new URLSearchParams(rawBody));
  try {
    return JSON.parse(rawBody) as unknown;
  } catch {
    return undefined;
  }
}

function header(request: RecordedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function basicCredentials(authorization: string | undefined): { user: string; password: string } | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function refuseWrongRoktVersion(request: RecordedRequest): Answer | undefined {
  if (header(request, 'rokt-version') === ROKT_VERSION) return undefined;
  return roktError(400, 'RequestValidationError', `the Rokt-Version header must be ${ROKT_VERSION}`);
}

function refuseNonObjectBody(body: unknown): Answer | undefined {
  if (body === undefined) return roktError(400, 'RequestJsonUnmarshalError', 'the body is not valid JSON');
  if (!isRecord(body)) return roktError(400, 'RequestValidationError', 'the body must be a JSON object');
  return undefined;
}

function roktError(status: number, code: string, message: string): Answer {
  return { status, body: { data: { code, message } } };
}

function statusFaultAnswer(fault: Extract<Fault, { kind: 'status' }>): Answer {
  const headers = fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) };
  return { status: fault.status, body: statusFaultBody(fault), headers };
}

function writeAnswer(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { ...answer.headers };
  let payload = '';
  if (typeof answer.body === 'string') {
    payload = answer.body;
    headers['content-type'] = 'text/plain; charset=utf-8';
  } else if (answer.body !== undefined) {
    payload = JSON.stringify(answer.body);
    headers['content-type'] = 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(answer.status, headers).end(payload);
}
