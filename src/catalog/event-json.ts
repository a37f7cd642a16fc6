import type { NameValue, RoktEvent } from './map-event.js';

/** Characters JSON.stringify would escape (quote, backslash, controls) or check (surrogates). */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

function quoted(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/** `{"name":"…","value":` per field name: names repeat on every event. */
const entryPrefixes = new Map<string, string>();

function entryPrefix(name: string): string {
  let prefix = entryPrefixes.get(name);
  if (prefix === undefined) {
    prefix = `{"name":${JSON.stringify(name)},"value":`;
    if (entryPrefixes.size < 10_000) entryPrefixes.set(name, prefix);
  }
  return prefix;
}

function entries(list: readonly NameValue[]): string {
  let text = '[';
  for (let index = 0; index < list.length; index += 1) {
    const entry = list[index] as NameValue;
    text += (index > 0 ? ',' : '') + entryPrefix(entry.name) + quoted(entry.value) + '}';
  }
  return text + ']';
}

/**
 * The event's JSON, exactly as JSON.stringify writes it, about 40% cheaper: Node 20's
 * JSON.stringify walks every {name, value} object generically, while here field names are
 * pre-serialized and values only scanned for characters that need escaping (measured in
 * bench/README.md; equality with JSON.stringify is unit-tested).
 */
export function eventJson(event: RoktEvent): string {
  let text = `{"clientEventId":${quoted(event.clientEventId)},"eventType":${quoted(event.eventType)},"eventTime":${quoted(event.eventTime)},"objectData":${entries(event.objectData)}`;
  if (event.metaData) text += `,"metaData":${entries(event.metaData)}`;
  return text + '}';
}
