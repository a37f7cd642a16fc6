/**
 * The rejected-records file's copy of a batch the API refused: the row as it was sent, under Rokt's
 * field names, through the same copy as rows rejected before sending (PII hashed whatever hash_pii
 * says, custom attributes hashed); device ids are hashed too, since they identify a person.
 */
import type { EventPlan } from '../rules/map-event.js';
import { hashPii, sha256Hex } from '../rules/normalize.js';
import { isObject } from '../protocol/json.js';
import { hashedCopy } from '../sync/rejected-record.js';
import type { MparticleBatch } from './batch.js';
import type { MparticleItem } from './item.js';
import { ROKT_MODULE_ID } from './limits.js';
import { MEMBERSHIP_EVENT } from './map-audience.js';

const IDENTITY_FIELDS: Readonly<Record<string, string>> = { other: 'emailsha256', email: 'email', customerid: 'customerid' };
const USER_FIELDS: Readonly<Record<string, string>> = { zip: 'zipcode' };
const DEVICE_FIELDS: Readonly<Record<string, string>> = {
  http_header_user_agent: 'useragent',
  ios_advertising_id: 'iosadvertisingid',
  android_advertising_id: 'androidadvertisingid',
  ios_idfv: 'iosidfv',
  android_uuid: 'androiduuid',
};
const HASHED_DEVICE_FIELDS = new Set(['iosadvertisingid', 'androidadvertisingid', 'iosidfv', 'androiduuid']);

const entries = (value: unknown): [string, unknown][] => (isObject(value) ? Object.entries(value) : []);

export function rejectedBatchCopy(item: MparticleItem): Record<string, unknown> {
  const batch = JSON.parse(item.json) as MparticleBatch;
  const data = batch.events[0]?.data;
  const row = new Map<string, unknown>();
  // Already digests, or values the copy keeps hashed: added after the common copy.
  const asIs = new Map<string, unknown>();
  const membership = data?.event_name === MEMBERSHIP_EVENT;
  if (data && !membership) {
    row.set('clientEventId', data.source_message_id);
    row.set('eventType', data.event_name);
    row.set('eventTime', new Date(data.timestamp_unixtime_ms).toISOString());
  }
  for (const [key, value] of entries(batch.user_identities)) row.set(IDENTITY_FIELDS[key] ?? key, value);
  for (const [key, value] of entries(batch.user_attributes)) {
    if (key === 'billingzipsha256') asIs.set(key, value);
    else if (key === 'billingzipcode') asIs.set('billingzipsha256', sha256Hex(String(value).toLowerCase()));
    else row.set(USER_FIELDS[key] ?? key, value);
  }
  for (const [key, value] of entries(batch.device_info)) {
    const field = DEVICE_FIELDS[key] ?? key;
    if (HASHED_DEVICE_FIELDS.has(field)) asIs.set(field, sha256Hex(String(value)));
    else row.set(field, value);
  }
  if (batch.ip !== undefined) row.set('ipaddress', batch.ip);
  const clickId = entries(batch.integration_attributes).find(([key]) => key === ROKT_MODULE_ID)?.[1];
  if (isObject(clickId) && clickId.passbackconversiontrackingid !== undefined) row.set('passbackconversiontrackingid', clickId.passbackconversiontrackingid);
  if (membership) {
    const attributes = data?.custom_attributes ?? {};
    asIs.set('list', attributes.audience_name);
    asIs.set('action', attributes.status === 'drop' ? 'exclude' : 'include');
    // The person, as the legacy audience copy names them.
    const email = row.get('email');
    if (!row.has('emailsha256') && typeof email === 'string') row.set('emailsha256', hashPii('email', email));
    row.delete('email');
  } else {
    for (const [key, value] of entries(data?.custom_attributes)) row.set(key, value);
  }
  const asSent: EventPlan = { stream: item.record.stream.key, renames: new Map(), constants: [], keepUnknownColumns: true, hashPii: true, idFromPrimaryKey: [] };
  return { ...hashedCopy(Object.fromEntries(row), asSent), ...Object.fromEntries(asIs) };
}
