/**
 * The Event and Audience API's documented limits (mParticle server-to-server), with the smaller
 * reading wherever "KB" could mean 1,000 or 1,024 bytes: what comes back over a limit is not
 * documented, so no request may come near one.
 */

/** Batches in one `/v2/bulkevents` request. */
export const MAX_BATCHES_PER_REQUEST = 100;
/** The whole request must stay under 256 KB: 256,000 bytes less a margin. */
export const MAX_REQUEST_BYTES = 250_000;
/** One batch (one user) at most 128 KB. */
export const MAX_BATCH_BYTES = 128_000;
/** An attribute value, in characters. */
export const MAX_ATTRIBUTE_CHARS = 4_096;
/** Custom attributes of one event. */
export const MAX_CUSTOM_ATTRIBUTES = 100;

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * mParticle asks that data older than 30 days not be sent to its Events API, and data sent to its
 * historical endpoint is not forwarded to Rokt. Whether Rokt drops such events is not documented:
 * they are rejected here, visibly, rather than counted as accepted and maybe lost. A day is kept
 * for retries and clock skew.
 */
export const OLDEST_EVENT_AGE_MS = 29 * DAY_MS;

/** Rokt's module id in mParticle: the key of Rokt's `integration_attributes`. */
export const ROKT_MODULE_ID = '1277';
