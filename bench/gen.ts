// Deterministic input for the benchmark: Airbyte JSONL lines (RECORD + STATE) generated on demand
// in a Readable, so 1M rows never sit in memory and the consumer's backpressure paces generation.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { seededRandom } from '../src/simulator/seeded-random.js';

export const EVENT_STREAM = 'orders';
export const AUDIENCE_STREAM = 'vip_customers';
export const AUDIENCE_LIST_B = 'Winback';
/** A cursor value beyond 2^53 carried in every STATE: the echo must keep every digit. */
export const BIG_CURSOR = '123456789012345678901';
const EMITTED_AT = 1764000000000;

export interface GenOptions {
  rows: number;
  /** Fraction of rows that are audience rows (the rest are events). */
  audienceShare: number;
  /** A STATE after every this many records (alternating STREAM states of the two streams). */
  stateEvery: number;
  seed: number;
  /** Base for eventTime (ms); rows spread over the 30 days before it. */
  baseTimeMs: number;
}

/** What the generated input holds; the run checks the connector and simulator against it. */
export interface Expected {
  rows: number;
  events: number;
  audienceRows: number;
  /** Sum of the numeric suffix of every event's clientEventId (catches lost + duplicated pairs). */
  eventIdSum: number;
  states: number;
  /** Audience identifiers per list (every audience row's email is unique). */
  audienceByList: Record<string, number>;
  bytes: number;
}

const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'Lucas', 'Mia', 'Mateo', 'Amelia', 'Ethan', 'Harper', 'Zoë'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodríguez', 'Martinez', 'Hernandez', 'Lopez', "O'Neil", 'Wilson', 'Anderson', 'Van Dyke'];
const DOMAINS = ['example.com', 'Mail.Example.org', 'shop.test', 'corp.example.net'];
const PRODUCTS = ['Trail Runner 2', 'Espresso Machine', 'Noise-cancelling Headphones', 'Yoga Mat', 'Cast Iron Skillet', 'Smart Watch S', 'Backpack 30L', 'LED Desk Lamp'];
const PAYMENT = ['credit card', 'paypal', 'apple pay', 'gift card'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const CHANNELS = ['web', 'app', 'email', 'partner'];
const COUNTRIES = ['US', 'US', 'US', 'CA', 'GB', 'AU'];

const pick = <T>(items: readonly T[], r: number): T => items[Math.floor(r * items.length)] as T;
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Start of the current UTC day: rows are identical for a whole day and always inside Rokt's 18-month window. */
export function defaultBaseTime(): number {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** Pure generator of lines; `next()` returns the next line (with '\n') or undefined at the end. */
export class LineGenerator {
  readonly expected: Expected;
  private index = 0;
  private recordsSinceState = 0;
  private stateCount = 0;
  private finalStates: string[] | undefined;
  private readonly random: () => number;

  constructor(private readonly options: GenOptions) {
    this.random = seededRandom(options.seed);
    this.expected = { rows: options.rows, events: 0, audienceRows: 0, eventIdSum: 0, states: 0, audienceByList: {}, bytes: 0 };
  }

  next(): string | undefined {
    let line: string | undefined;
    if (this.index < this.options.rows) {
      if (this.recordsSinceState === this.options.stateEvery) {
        this.recordsSinceState = 0;
        line = this.state(this.stateCount % 2 === 0 ? EVENT_STREAM : AUDIENCE_STREAM);
      } else {
        this.recordsSinceState += 1;
        const i = this.index++;
        line = this.random() < this.options.audienceShare ? this.audienceRow(i) : this.eventRow(i);
      }
    } else {
      // The end: one state per stream, so every record is inside some state's window.
      this.finalStates ??= [this.state(EVENT_STREAM), this.state(AUDIENCE_STREAM)];
      line = this.finalStates.shift();
    }
    if (line !== undefined) this.expected.bytes += line.length;
    return line;
  }

  private state(stream: string): string {
    this.stateCount += 1;
    this.expected.states += 1;
    const n = this.stateCount;
    return (
      `{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"${stream}"},` +
      `"stream_state":{"seq":${n},"rows_read":${this.index},"big_cursor":${BIG_CURSOR}}}}}\n`
    );
  }

  private eventRow(i: number): string {
    const r = this.random;
    this.expected.events += 1;
    this.expected.eventIdSum += i;
    const first = pick(FIRST, r());
    const last = pick(LAST, r());
    const domain = pick(DOMAINS, r());
    const padded = r() < 0.125;
    const email = `${padded ? ' ' : ''}${first}.${last.replace(/\W/g, '')}${i % 50000}@${domain}${padded ? ' ' : ''}`;
    const digits = String(2000000000 + Math.floor(r() * 7999999999)).padStart(10, '0');
    const mobile = r() < 0.5 ? `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}` : `+1 ${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
    const eventTime = new Date(this.options.baseTimeMs - 86_400_000 - Math.floor(r() * 29 * 86_400_000)).toISOString();
    const quantity = 1 + Math.floor(r() * 4);
    const amount = Math.round((5 + r() * 495) * 100) / 100;
    const data: Record<string, unknown> = {
      clientEventId: `bench-ev-${i}`,
      eventType: 'conversion',
      eventTime,
      email,
      mobile,
      firstname: first,
      lastname: last,
      conversiontype: 'purchase',
      amount,
      currency: 'USD',
      quantity,
      transactionid: `T${(i * 7919) % 100000000}`,
      confirmationref: `CONF-${i.toString(36).toUpperCase()}`,
      productname: pick(PRODUCTS, r()),
      sku: `SKU-${1000 + Math.floor(r() * 9000)}`,
      paymenttype: pick(PAYMENT, r()),
      zipcode: r() < 0.5 ? `${10000 + Math.floor(r() * 89999)}` : `SW1A ${1 + Math.floor(r() * 9)}AA`,
      country: pick(COUNTRIES, r()),
      // custom attributes (unknown to Rokt: sent under their own name) and one metaData entry
      loyalty_tier: pick(TIERS, r()),
      loyalty_points: Math.floor(r() * 100000),
      is_member: r() < 0.6,
      campaign_id: `cmp_${Math.floor(r() * 500)}`,
      'metadata.channel': pick(CHANNELS, r()),
      updated_at: eventTime,
    };
    return `{"type":"RECORD","record":{"stream":"${EVENT_STREAM}","data":${JSON.stringify(data)},"emitted_at":${EMITTED_AT}}}\n`;
  }

  private audienceRow(i: number): string {
    const r = this.random;
    this.expected.audienceRows += 1;
    const first = pick(FIRST, r()).toLowerCase();
    const email = `aud${i}.${first.replace(/\W/g, '')}@${pick(DOMAINS, r())}`;
    const secondList = r() < 0.25;
    const list = secondList ? AUDIENCE_LIST_B : AUDIENCE_STREAM;
    this.expected.audienceByList[list] = (this.expected.audienceByList[list] ?? 0) + 1;
    const data: Record<string, unknown> =
      r() < 0.5
        ? { email: r() < 0.5 ? email.toUpperCase() : email } // plain: the connector normalizes and hashes it
        : { emailsha256: sha256(email.toLowerCase()) }; // already hashed: passed through
    if (secondList) data.list = AUDIENCE_LIST_B;
    data.customer_id = i;
    return `{"type":"RECORD","record":{"stream":"${AUDIENCE_STREAM}","data":${JSON.stringify(data)},"emitted_at":${EMITTED_AT}}}\n`;
  }
}

/** A Readable over a LineGenerator: ~64 KiB per push, generated only when the consumer asks. */
export class GeneratedInput extends Readable {
  constructor(readonly generator: LineGenerator) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _read(size: number): void {
    let chunk = '';
    const target = Math.max(size, 16 * 1024);
    while (chunk.length < target) {
      const line = this.generator.next();
      if (line === undefined) {
        if (chunk) this.push(chunk);
        this.push(null);
        return;
      }
      chunk += line;
    }
    this.push(chunk);
  }
}

/** The configured catalog for the two streams (data activation: routed by destination_object_name). */
export function benchCatalog(): Record<string, unknown> {
  const stream = (name: string, object: string, primaryKey: string) => ({
    stream: { name, json_schema: { type: 'object', properties: {} }, supported_sync_modes: ['full_refresh', 'incremental'] },
    sync_mode: 'incremental',
    cursor_field: ['updated_at'],
    destination_sync_mode: 'append',
    destination_object_name: object,
    primary_key: [[primaryKey]],
  });
  return { streams: [stream(EVENT_STREAM, 'event', 'clientEventId'), stream(AUDIENCE_STREAM, 'audience', 'customer_id')] };
}

/**
 * Ready-made Event API bodies of 100 generated events each (PII hashed, values as strings), for the
 * steps that post requests without running the connector (simulator capacity, HTTP client cost).
 */
export function eventRequestBodies(options: { count: number; accountId: string }): string[] {
  const generator = new LineGenerator({ rows: options.count * 100, audienceShare: 0, stateEvery: Number.MAX_SAFE_INTEGER, seed: 7, baseTimeMs: defaultBaseTime() });
  const bodies: string[] = [];
  let events: unknown[] = [];
  for (let line = generator.next(); line !== undefined; line = generator.next()) {
    const message = JSON.parse(line) as { type: string; record?: { data: Record<string, unknown> } };
    if (message.type !== 'RECORD' || !message.record) continue;
    const { clientEventId, eventType, eventTime, ...rest } = message.record.data;
    const objectData = Object.entries(rest).map(([name, value]) =>
      ['email', 'mobile', 'firstname', 'lastname'].includes(name) ? { name: `${name}sha256`, value: sha256(String(value)) } : { name, value: String(value) },
    );
    events.push({ clientEventId, eventType, eventTime, objectData });
    if (events.length === 100) {
      bodies.push(JSON.stringify({ accountId: options.accountId, events }));
      events = [];
    }
  }
  return bodies;
}
