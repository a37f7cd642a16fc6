/**
 * The connector's few error classes, and the one place that maps them onto Airbyte TRACE
 * `failure_type` and process exit codes.
 */

export type FailureType = 'config_error' | 'transient_error' | 'system_error';

/** Something the user must fix: config, catalog, credentials, permissions. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The input stream itself is unusable (not a single bad record: those are rejected, not thrown). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Rokt (or the network) failed in a way that may succeed later; thrown once retries are exhausted. */
export class RetryableApiError extends Error {
  override readonly name = 'RetryableApiError';
  constructor(
    message: string,
    readonly detail: { status?: number; attempts?: number } = {},
  ) {
    super(message);
  }
}

/** Rokt refused in a way retrying cannot fix (401/403 are config errors, see below). */
export class FatalApiError extends Error {
  override readonly name = 'FatalApiError';
  constructor(
    message: string,
    readonly detail: { status?: number } = {},
  ) {
    super(message);
  }
}

/** The process was asked to stop (SIGTERM/SIGINT) before the input ended. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(
    message: string,
    readonly signal: 'SIGTERM' | 'SIGINT',
  ) {
    super(message);
  }
}

export interface Failure {
  failureType: FailureType;
  exitCode: number;
  message: string;
}

export const EXIT_SYSTEM_ERROR = 1;
export const EXIT_CONFIG_ERROR = 2;
export const EXIT_TRANSIENT_ERROR = 3;

/** The single mapping from an error to what the platform sees. */
export function describeFailure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError) {
    return { failureType: 'config_error', exitCode: EXIT_CONFIG_ERROR, message };
  }
  if (error instanceof FatalApiError) {
    const status = error.detail.status;
    const isAuth = status === 401 || status === 403;
    return isAuth
      ? { failureType: 'config_error', exitCode: EXIT_CONFIG_ERROR, message }
      : { failureType: 'system_error', exitCode: EXIT_SYSTEM_ERROR, message };
  }
  if (error instanceof RetryableApiError) {
    return { failureType: 'transient_error', exitCode: EXIT_TRANSIENT_ERROR, message };
  }
  if (error instanceof InterruptedError) {
    // The shell convention for "killed by signal N": 128 + N.
    return { failureType: 'transient_error', exitCode: error.signal === 'SIGTERM' ? 143 : 130, message };
  }
  if (error instanceof InputError) {
    return { failureType: 'system_error', exitCode: EXIT_SYSTEM_ERROR, message };
  }
  return { failureType: 'system_error', exitCode: EXIT_SYSTEM_ERROR, message: `Unexpected error: ${message}` };
}
