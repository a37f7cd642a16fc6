/**
 * Where each Rokt field name goes in an Event and Audience API batch. Names are the ones `discover`
 * publishes (and mapEventRecord writes, PII already normalized and hashed as hash_pii says); a name
 * not listed here is one of the event's custom attributes.
 */
import { isIP } from 'node:net';
import { isSha256Hex, sha256Hex } from '../rules/normalize.js';
import { attributeProblem, type BatchParts } from './batch.js';

type Placement =
  | { part: 'identity'; key: string }
  | { part: 'user'; key: string }
  | { part: 'billingzip' }
  | { part: 'device'; key: string; guid: boolean }
  | { part: 'ip' }
  | { part: 'clickid' };

const identity = (key: string): Placement => ({ part: 'identity', key });
const user = (key: string): Placement => ({ part: 'user', key });
const device = (key: string, guid: boolean): Placement => ({ part: 'device', key, guid });

const PLACEMENTS: ReadonlyMap<string, Placement> = new Map([
  // Rokt's convention on this path: `other` is the SHA-256 of the normalized email, nothing else.
  ['emailsha256', identity('other')],
  ['email', identity('email')],
  ['customerid', identity('customerid')],
  ['passbackconversiontrackingid', { part: 'clickid' }],
  ['firstname', user('firstname')],
  ['firstnamesha256', user('firstnamesha256')],
  ['lastname', user('lastname')],
  ['lastnamesha256', user('lastnamesha256')],
  ['mobile', user('mobile')],
  ['mobilesha256', user('mobilesha256')],
  ['billingzipcode', { part: 'billingzip' }],
  // `ip` takes a real address only: a hashed one is kept as a user attribute.
  ['ipaddress', { part: 'ip' }],
  ['ipaddresssha256', user('ipaddresssha256')],
  ['dob', user('dob')],
  ['gender', user('gender')],
  ['age', user('age')],
  ['city', user('city')],
  ['state', user('state')],
  ['zipcode', user('zip')],
  ['title', user('title')],
  ['language', user('language')],
  ['useragent', device('http_header_user_agent', false)],
  ['iosadvertisingid', device('ios_advertising_id', true)],
  ['androidadvertisingid', device('android_advertising_id', true)],
  ['iosidfv', device('ios_idfv', true)],
  ['androiduuid', device('android_uuid', false)],
]);

/** Rokt field names of a person's identities, also read from audience rows. */
export const AUDIENCE_EXTRA_IDENTITIES: readonly string[] = ['customerid', 'useragent', 'iosadvertisingid', 'androidadvertisingid', 'iosidfv', 'androiduuid'];

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ZERO_GUID = /^[0-]+$/;

/** Whether a Rokt field name has a place of its own in the batch (else it is a custom attribute). */
export function hasPlacement(name: string): boolean {
  return PLACEMENTS.has(name);
}

/** The reason a device id is left out, or undefined when it is a usable GUID. */
function guidProblem(field: string, value: string): string | undefined {
  if (!GUID.test(value)) return `${field} is not a GUID (8-4-4-4-12 hex digits); the Event and Audience API refuses a whole batch for it, so the value was left out`;
  if (ZERO_GUID.test(value)) return `${field} is the all-zero GUID (ad tracking limited), which identifies nobody, so the value was left out`;
  return undefined;
}

/**
 * Puts one field into the batch parts. Returns a reason when the row must be rejected; a value the
 * API would refuse the whole batch for but the row can do without (a device id that is not a GUID,
 * an IP that is not an address) is left out and noted in `parts.dropped`.
 */
export function placeField(options: { parts: BatchParts; name: string; value: string; hashPii: boolean }): string | undefined {
  const { parts, name, hashPii } = options;
  const placement = PLACEMENTS.get(name);
  if (!placement) throw new Error(`no placement for ${name}`);
  let value = options.value;
  // Nothing to identify anyone by (e.g. a ZIP of spaces): the field is simply absent.
  if (value.trim() === '') return undefined;
  if (placement.part === 'device') {
    value = value.trim();
    const dropped = placement.guid ? guidProblem(name, value) : undefined;
    if (dropped) {
      parts.dropped.push({ field: name, reason: dropped });
      return undefined;
    }
  }
  if (placement.part === 'ip' && isIP(value) === 0) {
    parts.dropped.push({ field: name, reason: `${name} is not an IPv4 or IPv6 address, which the Event and Audience API requires in \`ip\`; the value was left out` });
    return undefined;
  }
  const tooLong = attributeProblem(name, value);
  if (tooLong) return tooLong;
  switch (placement.part) {
    case 'identity':
      parts.identities.set(placement.key, value);
      break;
    case 'user':
    case 'device':
      (placement.part === 'user' ? parts.userAttributes : parts.device).set(placement.key, value);
      break;
    case 'billingzip':
      placeBillingZip(parts, value, hashPii);
      break;
    case 'ip':
      parts.ip = value;
      break;
    case 'clickid':
      parts.clickId = value;
      break;
  }
  return undefined;
}

/** With hash_pii on the billing ZIP goes hashed (lowercased, spaces already removed), as Rokt's `billingzipsha256`. */
function placeBillingZip(parts: BatchParts, value: string, hashPii: boolean): void {
  if (!hashPii) {
    parts.userAttributes.set('billingzipcode', value);
    return;
  }
  parts.userAttributes.set('billingzipsha256', isSha256Hex(value) ? value.toLowerCase() : sha256Hex(value.toLowerCase()));
}
