import type { NameValue, RoktEvent } from './map-event.js';

/** Characters JSON.stringify would escape (quote, backslash, controls) or check (surrogates). */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

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

/** Appends `"…"` (escaped only where needed) to the parts. */
function pushQuoted(parts: string[], text: string): void {
  if (NEEDS_ESCAPING.test(text)) parts.push(JSON.stringify(text));
  else parts.push('"', text, '"');
}

function pushEntries(parts: string[], list: readonly NameValue[]): void {
  for (let index = 0; index < list.length; index += 1) {
    const entry = list[index] as NameValue;
    parts.push(index > 0 ? ',' + entryPrefix(entry.name) : entryPrefix(entry.name));
    pushQuoted(parts, entry.value);
    parts.push('}');
  }
}

/**
 * The event's JSON, exactly as JSON.stringify writes it (unit-tested), for less CPU and garbage:
 * field names are pre-serialized, values only scanned for characters that need escaping, and
 * the pieces joined once (concatenating them would leave a chain of intermediate strings).
 */
export function eventJson(event: RoktEvent): string {
  const parts = ['{"clientEventId":'];
  pushQuoted(parts, event.clientEventId);
  parts.push(',"eventType":');
  pushQuoted(parts, event.eventType);
  parts.push(',"eventTime":');
  pushQuoted(parts, event.eventTime);
  parts.push(',"objectData":[');
  pushEntries(parts, event.objectData);
  if (event.metaData) {
    parts.push('],"metaData":[');
    pushEntries(parts, event.metaData);
  }
  parts.push(']}');
  return parts.join('');
}
