// The floor: the unavoidable work on the same input, in one process, no HTTP.
// stdin → split2 → JSON.parse → normalize + SHA-256 of the PII fields → request bodies built and
// JSON.stringify'd (100 events or 10,000 audience identifiers per body, as the connector batches).
// Prints one JSON line with counts and timings to stdout.

import * as crypto from 'node:crypto';
import split2 from 'split2';

const EVENT_BATCH = Number(process.env.FLOOR_EVENT_BATCH ?? 100);
const AUDIENCE_BATCH = Number(process.env.FLOOR_AUDIENCE_BATCH ?? 10000);
const ACCOUNT_ID = process.env.FLOOR_ACCOUNT_ID ?? '1234567890';
const PII = new Map([
  ['email', 'emailsha256'],
  ['mobile', 'mobilesha256'],
  ['firstname', 'firstnamesha256'],
  ['lastname', 'lastnamesha256'],
]);
const SPACES = /\s+/g;
const NON_DIGITS = /\D+/g;

// The cheapest SHA-256 this Node offers: one-shot crypto.hash (Node ≥ 20.12 / 21.7), else createHash.
// FLOOR_HASH=createHash forces the streaming API (what the connector used when this was written).
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
export const HASH_API = oneShot && process.env.FLOOR_HASH !== 'createHash' ? 'crypto.hash' : 'createHash';
const sha256 =
  HASH_API === 'crypto.hash' && oneShot
    ? (text: string): string => oneShot('sha256', text, 'hex')
    : (text: string): string => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

function normalize(field: string, value: string): string {
  if (field === 'mobile') {
    const digits = value.replace(NON_DIGITS, '');
    return digits.length === 11 && digits.charCodeAt(0) === 49 ? digits.slice(1) : digits;
  }
  return value.trim().toLowerCase().replace(SPACES, '');
}

const startedAt = performance.now();
let lines = 0;
let events = 0;
let identifiers = 0;
let states = 0;
let bodies = 0;
let bodyBytes = 0;
let eventBatch: unknown[] = [];
const audienceBatches = new Map<string, string[]>();

function flushEvents(): void {
  if (eventBatch.length === 0) return;
  bodyBytes += JSON.stringify({ accountId: ACCOUNT_ID, events: eventBatch }).length;
  bodies += 1;
  eventBatch = [];
}

function flushAudience(list: string, ids: string[]): void {
  if (ids.length === 0) return;
  bodyBytes += JSON.stringify({ accountId: ACCOUNT_ID, action: 'include', list, sha256s: ids }).length;
  bodies += 1;
  audienceBatches.set(list, []);
}

function flushAll(): void {
  flushEvents();
  for (const [list, ids] of audienceBatches) flushAudience(list, ids);
}

function onLine(line: string): void {
  lines += 1;
  const message = JSON.parse(line) as { type: string; record?: { stream: string; data: Record<string, unknown> } };
  if (message.type === 'STATE') {
    states += 1;
    flushAll(); // the connector flushes partial batches on a STATE too
    return;
  }
  if (message.type !== 'RECORD' || !message.record) return;
  const { stream, data } = message.record;
  if (stream === 'orders') {
    const objectData: { name: string; value: string }[] = [];
    let clientEventId = '';
    let eventType = '';
    let eventTime = '';
    for (const name in data) {
      const raw = data[name];
      if (raw === null || raw === undefined || raw === '') continue;
      const value = typeof raw === 'string' ? raw : String(raw);
      if (name === 'clientEventId') clientEventId = value;
      else if (name === 'eventType') eventType = value;
      else if (name === 'eventTime') eventTime = value;
      else {
        const hashedName = PII.get(name);
        if (hashedName) objectData.push({ name: hashedName, value: sha256(normalize(name, value)) });
        else objectData.push({ name, value });
      }
    }
    eventBatch.push({ clientEventId, eventType, eventTime, objectData });
    events += 1;
    if (eventBatch.length >= EVENT_BATCH) flushEvents();
    return;
  }
  const list = typeof data.list === 'string' ? data.list : stream;
  const identifier = typeof data.email === 'string' ? sha256(normalize('email', data.email)) : String(data.emailsha256).toLowerCase();
  let ids = audienceBatches.get(list);
  if (!ids) audienceBatches.set(list, (ids = []));
  ids.push(identifier);
  identifiers += 1;
  if (ids.length >= AUDIENCE_BATCH) flushAudience(list, ids);
}

process.stdin
  .pipe(split2())
  .on('data', onLine)
  .on('end', () => {
    flushAll();
    const elapsedMs = performance.now() - startedAt;
    process.stdout.write(JSON.stringify({ lines, events, identifiers, states, bodies, bodyBytes, elapsedMs, hashApi: HASH_API }) + '\n');
  });
