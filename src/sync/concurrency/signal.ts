/**
 * What one HTTP exchange tells the concurrency controller: answered (with how close the caller is
 * to its limit, when the API says), refused for load, timed out, or failed without telling anything
 * about load.
 */
import { NetworkError, type ApiResponse } from '../../rokt/http.js';
import { retryAfterMs } from '../../rokt/retry.js';

export type Signal =
  /** An answer that is not about load (2xx, or a refusal of the content such as 400). */
  | { kind: 'answered'; usedPercent?: number }
  /** 429: over the allowance. `retryAfterMs` when the API said how long to wait. */
  | { kind: 'throttled'; retryAfterMs?: number }
  /** 503: the API is overloaded or unavailable (for `retryAfterMs`, when it says). */
  | { kind: 'overloaded'; retryAfterMs?: number }
  /** No answer in time (the client's timeout, 408, 504). */
  | { kind: 'timeout' }
  /** A failure that says nothing about load (a reset connection, a 500). */
  | { kind: 'failed' };

/** The Event and Audience API's header on successful answers: how much of the allowance is used. */
const USAGE_HEADER = 'x-mp-rate-limit-percentage-used';

export function signalOfAnswer(response: ApiResponse, nowMs: number): Signal {
  const { status } = response;
  if (status === 429) return { kind: 'throttled', retryAfterMs: retryAfterMs(response.headers['retry-after'], nowMs) };
  if (status === 503) return { kind: 'overloaded', retryAfterMs: retryAfterMs(response.headers['retry-after'], nowMs) };
  if (status === 408 || status === 504) return { kind: 'timeout' };
  if (status >= 500) return { kind: 'failed' };
  const usedPercent = percentage(response.headers[USAGE_HEADER]);
  return usedPercent === undefined ? { kind: 'answered' } : { kind: 'answered', usedPercent };
}

/** got reports its own time limit as ETIMEDOUT; anything else without an answer is a plain failure. */
export function signalOfError(error: unknown): Signal {
  return error instanceof NetworkError && error.code === 'ETIMEDOUT' ? { kind: 'timeout' } : { kind: 'failed' };
}

function percentage(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const number = Number.parseFloat(value);
  return Number.isFinite(number) ? number : undefined;
}
