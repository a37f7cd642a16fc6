/**
 * Rokt's event field names (from Rokt's public Event API documentation) and how each is treated. `discover`
 * publishes these; the mapper recognises them (case-insensitively) in records.
 */

export type PiiKind = 'email' | 'mobile' | 'name' | 'ip';

export interface EventField {
  name: string;
  description: string;
  /** PII that is normalized and, with hash_pii on, sent SHA-256-hashed under `hashedName`. */
  pii?: PiiKind;
  hashedName?: string;
  /** Already-hashed variant of a PII field: must be a 64-hex SHA-256 digest. */
  sha256Of?: PiiKind;
  /** Normalized but never hashed (zip codes: trim, remove spaces). */
  normalize?: 'zip';
  /** Identifies a person or device without being one of Rokt's PII fields: hashed wherever the connector writes it down (rejected-records file). */
  identifier?: true;
}

const hashed = (what: string) =>
  `SHA-256 hex digest of the normalized ${what} (64 hex characters, sent lowercased; never hashed again).`;
const piiDescription = (what: string, rule: string, hashedName: string) =>
  `${what}. Normalized (${rule}) and, with hash_pii on (default), sent only as its SHA-256 hash under \`${hashedName}\`.`;

export const CORE_EVENT_FIELDS = {
  clientEventId: 'Your unique id of the event, at most 36 characters; make it deterministic so a replayed row carries the same id.',
  eventType:
    'The event type, at most 128 characters, e.g. `conversion` (with `conversiontype`), `signup`. Optional: a row without one gets the config’s `event_type` (default `conversion`).',
  eventTime:
    'When the event happened: RFC 3339 with any offset (sent as UTC), or epoch seconds / milliseconds. Defaults to the time the row is processed. Rows older than 18 months or more than 5 minutes in the future are rejected.',
} as const;

export const EVENT_FIELDS: EventField[] = [
  { name: 'email', pii: 'email', hashedName: 'emailsha256', description: piiDescription('Customer email', 'trim, lowercase, remove spaces', 'emailsha256') },
  { name: 'emailsha256', sha256Of: 'email', description: hashed('email') },
  { name: 'passbackconversiontrackingid', description: 'The Rokt click id (`rtid`) captured on your site; with email it attributes the event.' },
  {
    name: 'landing_url',
    description:
      'The landing page address of the visit. When the row has no passbackconversiontrackingid, the click id is taken from its `rtid` (else `rclid`) query parameter. The address itself is never sent to Rokt (page addresses often carry personal data).',
  },
  // Identities of the Event and Audience API (mParticle); the legacy Event API gets them as custom attributes.
  { name: 'customerid', identifier: true, description: 'Your own id of the customer. Event and Audience API: sent as `user_identities.customerid`; the legacy Event API gets it as a custom attribute.' },
  { name: 'useragent', identifier: true, description: 'The browser’s User-Agent header. Event and Audience API: sent as `device_info.http_header_user_agent`.' },
  {
    name: 'iosadvertisingid',
    identifier: true,
    description: 'Apple advertising id (IDFA), a GUID. Event and Audience API: sent as `device_info.ios_advertising_id`; a value that is not a GUID is dropped with a warning (the API refuses the whole batch).',
  },
  {
    name: 'androidadvertisingid',
    identifier: true,
    description: 'Google advertising id (GAID), a GUID. Event and Audience API: sent as `device_info.android_advertising_id`; a value that is not a GUID is dropped with a warning.',
  },
  { name: 'iosidfv', identifier: true, description: 'Apple identifier for vendors (IDFV), a GUID. Event and Audience API: sent as `device_info.ios_idfv`; a value that is not a GUID is dropped with a warning.' },
  { name: 'androiduuid', identifier: true, description: 'Android device id. Event and Audience API: sent as `device_info.android_uuid`.' },
  { name: 'mobile', pii: 'mobile', hashedName: 'mobilesha256', description: piiDescription('Mobile phone', 'digits only, 10 digits, a leading US country code 1 dropped', 'mobilesha256') },
  { name: 'mobilesha256', sha256Of: 'mobile', description: hashed('mobile number') },
  { name: 'firstname', pii: 'name', hashedName: 'firstnamesha256', description: piiDescription('First name', 'trim, lowercase, remove spaces', 'firstnamesha256') },
  { name: 'firstnamesha256', sha256Of: 'name', description: hashed('first name') },
  { name: 'lastname', pii: 'name', hashedName: 'lastnamesha256', description: piiDescription('Last name', 'trim, lowercase, remove spaces', 'lastnamesha256') },
  { name: 'lastnamesha256', sha256Of: 'name', description: hashed('last name') },
  { name: 'ipaddress', pii: 'ip', hashedName: 'ipaddresssha256', description: piiDescription('IP address', 'trim; IPv6 lowercased', 'ipaddresssha256') },
  { name: 'ipaddresssha256', sha256Of: 'ip', description: hashed('IP address') },
  { name: 'conversiontype', description: 'Kind of conversion when eventType is `conversion`, e.g. `purchase`.' },
  { name: 'amount', description: 'Transaction amount, e.g. `99.95`.' },
  { name: 'currency', description: 'ISO 4217 currency code, e.g. `USD`.' },
  { name: 'quantity', description: 'Number of items.' },
  { name: 'confirmationref', description: 'Order confirmation reference.' },
  { name: 'transactionid', description: 'Transaction id.' },
  { name: 'productname', description: 'Product name.' },
  { name: 'sku', description: 'Product SKU.' },
  { name: 'paymenttype', description: 'Payment type, e.g. `credit card`.' },
  { name: 'ccbin', description: 'First digits of the payment card (BIN).' },
  { name: 'margin', description: 'Margin on the transaction.' },
  { name: 'billingzipcode', normalize: 'zip', description: 'Billing ZIP code (trimmed, spaces removed).' },
  { name: 'zipcode', normalize: 'zip', description: 'ZIP code (trimmed, spaces removed).' },
  { name: 'city', description: 'City.' },
  { name: 'state', description: 'State or region.' },
  { name: 'country', description: 'Country.' },
  { name: 'dob', description: 'Date of birth, `yyyymmdd`.' },
  { name: 'gender', description: 'Gender.' },
  { name: 'title', description: 'Title, e.g. `Mr`.' },
  { name: 'language', description: 'Language.' },
  { name: 'age', description: 'Age.' },
];

/** Lower-cased name → field, for case-insensitive recognition of column names. */
export const EVENT_FIELDS_BY_LOWER_NAME: ReadonlyMap<string, EventField> = new Map(EVENT_FIELDS.map((field) => [field.name, field]));

export const CORE_FIELD_BY_LOWER_NAME: ReadonlyMap<string, keyof typeof CORE_EVENT_FIELDS> = new Map(
  (Object.keys(CORE_EVENT_FIELDS) as (keyof typeof CORE_EVENT_FIELDS)[]).map((name) => [name.toLowerCase(), name]),
);

/** Prefix of a field name that goes to the event's `metaData` instead of `objectData`. */
export const METADATA_PREFIX = 'metadata.';

export const AUDIENCE_FIELDS = {
  email: 'Member email. Normalized (trim, lowercase, remove spaces); with hash_pii on (default) sent only as its SHA-256 hash (`sha256s`), else as `emails`.',
  emailsha256: 'SHA-256 hex digest of the normalized email (64 hex characters, sent lowercased).',
  list: 'The audience (list) name for this row. Defaults to the stream binding’s audience_name, else the stream name.',
} as const;
