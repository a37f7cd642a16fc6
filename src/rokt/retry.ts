/**
 * The retry policy: which answers are worth another attempt, and how long to wait before it.
 */

export interface RetryPolicy {
  maxRetries: number;
  /** Give up on one request once this much time has passed since its first attempt. */
  maxElapsedMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

/** What an HTTP status means for the request that got it. */
export type Verdict =
  | 'delivered' // 2xx; or 409 where an idempotency key makes it "already landed"
  | 'retry' // 408, 425, 429, 5xx
  | 'split' // 400/413/422: Rokt refused the request as a whole; smaller requests isolate the culprit
  | 'auth' // 401/403: the credentials cannot do this; fatal
  | 'fatal'; // anything else: retrying the same request cannot help

export function classifyStatus(status: number, options: { conflictMeansDelivered: boolean }): Verdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 409) return options.conflictMeansDelivered ? 'delivered' : 'fatal';
  if (status === 401 || status === 403) return 'auth';
  if (status === 400 || status === 413 || status === 422) return 'split';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'fatal';
}

/** Seconds (or an HTTP date) from a Retry-After header, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Exponential backoff with full jitter, unless the server said how long to wait. */
export function retryDelayMs(options: { retry: number; retryAfter?: number; policy: RetryPolicy }): number {
  const { retry, retryAfter, policy } = options;
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxElapsedMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(policy.random() * ceiling);
}

/**
 * The wait before retrying a request refused for load without Retry-After, in round trips of the
 * API rather than a fixed base delay: the adaptive controller has already made room, so the retry
 * should come as soon as a slot can take it. Doubles per retry, with jitter.
 */
export function throttleRetryDelayMs(options: { retry: number; roundTripMs: number; policy: RetryPolicy }): number {
  const { retry, roundTripMs, policy } = options;
  const ceiling = Math.min(policy.maxDelayMs, roundTripMs * 2 ** Math.min(retry, 10));
  return Math.max(1, Math.round(ceiling * (0.5 + policy.random() / 2)));
}
