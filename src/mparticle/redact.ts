/**
 * For the API-call debug log: a `/v2/bulkevents` body with every identifier hashed, even with
 * hash_pii off (a plain email, names, mobile, billing ZIP, IP address, customer and device ids), and
 * an answer's error messages without the values they quote. Other bodies pass through unchanged.
 */
import { EVENT_FIELDS_BY_LOWER_NAME } from '../rules/fields.js';
import { hashPii, sha256Hex } from '../rules/normalize.js';
import { isObject } from '../protocol/json.js';
import { printableMessage } from './answer.js';

const DEVICE_IDS = new Set(['ios_advertising_id', 'android_advertising_id', 'ios_idfv', 'android_uuid']);
const PLAIN_USER_PII = new Set(['firstname', 'lastname', 'mobile', 'billingzipcode']);

const hashedValue = (value: unknown, hash: (text: string) => string | undefined) => (typeof value === 'string' ? (hash(value) ?? '') : value);

function redactMap(value: unknown, hashOf: (key: string) => ((text: string) => string | undefined) | undefined): unknown {
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => {
    const hash = hashOf(key);
    return [key, hash ? hashedValue(inner, hash) : inner];
  }));
}

function redactBatch(batch: unknown): unknown {
  if (!isObject(batch) || !Array.isArray(batch.events)) return batch;
  const redacted: Record<string, unknown> = { ...batch };
  if (batch.user_identities !== undefined) {
    redacted.user_identities = redactMap(batch.user_identities, (key) => (key === 'email' ? (text) => hashPii('email', text) : key === 'customerid' ? sha256Hex : undefined));
  }
  if (batch.user_attributes !== undefined) {
    redacted.user_attributes = redactMap(batch.user_attributes, (key) => {
      if (!PLAIN_USER_PII.has(key)) return undefined;
      const pii = EVENT_FIELDS_BY_LOWER_NAME.get(key)?.pii;
      return pii ? (text) => hashPii(pii, text) : sha256Hex;
    });
  }
  if (batch.device_info !== undefined) redacted.device_info = redactMap(batch.device_info, (key) => (DEVICE_IDS.has(key) ? sha256Hex : undefined));
  if (typeof batch.ip === 'string') redacted.ip = hashPii('ip', batch.ip);
  return redacted;
}

export function redactBulkBody(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(redactBatch);
  if (isObject(body) && Array.isArray(body.errors)) {
    return { ...body, errors: body.errors.map((error) => (isObject(error) ? { ...error, message: typeof error.message === 'string' ? printableMessage({ message: error.message }) : error.message } : error)) };
  }
  return body;
}
