import { LosslessNumber, parse as losslessParse } from 'lossless-json';
import { findJsonSyntaxProblem, objectMemberSpans } from './json-scan.js';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON text carried as written (a STATE value echoed byte for byte, however deep it nests). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An input line that is not JSON. Its message says where and why, never what the line holds. */
export class JsonLineError extends Error {
  override readonly name = 'JsonLineError';
}

/**
 * Where and why a text is not JSON, without quoting it: JSON.parse's own messages quote input
 * bytes, which may be PII or a secret next to the error.
 */
export function describeJsonError(text: string): string {
  const problem = findJsonSyntaxProblem(text);
  return problem ? `invalid JSON at column ${problem.column}: ${problem.kind}` : 'invalid JSON';
}

/** Number tokens after `:` `,` `[` and before `,` `}` `]`; a hit inside a string only costs a slower parse. */
const NUMBER_TOKEN = /[:,[]\s*(-?\d[\d.eE+-]*)(?=\s*[,}\]])/g;

/** True when JavaScript prints the number exactly as written (so a plain number loses nothing). */
function isCanonicalNumber(token: string): boolean {
  if (token.length <= 15 && !/[.eE]/.test(token) && token !== '-0') return true;
  return String(Number(token)) === token;
}

/**
 * A cheap test (no captures) that finds every line the exact scan could flag, and few others. A
 * number JavaScript prints differently has an exponent, 16 or more digits and points in a row, a
 * fraction ending in 0, "0." and six zeros (below 1e-6), or is -0: with at most 15 significant digits
 * the shortest round-trip form is the written one, printed without exponent from 1e-6 up to 1e21.
 */
const MAYBE_NON_CANONICAL = /[:,[]\s*(?:-0\s*[,}\]]|-?(?:\d[\d.]*[eE]|[\d.]{16}|\d+\.\d*0\s*[,}\]]|0\.0{6}))/;

export function hasNonCanonicalNumber(text: string): boolean {
  if (!MAYBE_NON_CANONICAL.test(text)) return false;
  NUMBER_TOKEN.lastIndex = 0;
  for (let match = NUMBER_TOKEN.exec(text); match !== null; match = NUMBER_TOKEN.exec(text)) {
    if (!isCanonicalNumber(match[1] as string)) return true;
  }
  return false;
}

/** Numbers that JavaScript would print differently stay as written (`10.50`, `1e21`, 2^64). */
function numberAsWritten(token: string): number | LosslessNumber {
  return isCanonicalNumber(token) ? Number(token) : new LosslessNumber(token);
}

/**
 * Parses one protocol line. Values travel exactly as written: a number JavaScript would print
 * differently (`10.50`, `1e21`, integers beyond 2^53, `-0`) becomes a LosslessNumber holding its
 * text; every other number is a plain number (the fast, common case). STATE lines are parsed
 * plainly: they are echoed from their text (see rawMember), never re-serialized.
 * Throws JsonLineError (position and kind only) on invalid JSON.
 */
export function parseMessageLine(text: string, isState: (message: Record<string, unknown>) => boolean): unknown {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new JsonLineError(describeJsonError(text));
  }
  if (!isObject(message) || isState(message) || !hasNonCanonicalNumber(text)) return message;
  try {
    return losslessParse(text, null, numberAsWritten);
  } catch {
    // Nested too deeply for the lossless parser: keep JSON.parse's result (such rows are refused later).
    return message;
  }
}

/** The exact text of a top-level member of a JSON object line (e.g. a STATE's `value`), or undefined. */
export function rawMember(text: string, name: string): RawJson | undefined {
  const span = objectMemberSpans(text, 0)?.get(name);
  return span ? new RawJson(text.slice(span.start, span.end)) : undefined;
}

/**
 * A STATE line echoed byte for byte except for one member of its `state` object, set to `value`
 * (Airbyte's destinationStats). Works on the text, so any depth and any number survive.
 */
export function withStateMember(text: string, name: string, value: string): string {
  const state = objectMemberSpans(text, 0)?.get('state');
  if (!state) return text;
  const members = objectMemberSpans(text, state.start);
  if (!members) return text;
  const existing = members.get(name);
  if (existing) return text.slice(0, existing.start) + value + text.slice(existing.end);
  const member = `${JSON.stringify(name)}:${value}`;
  const closing = text.lastIndexOf('}', state.end - 1);
  return text.slice(0, closing) + (members.size > 0 ? ',' : '') + member + text.slice(closing);
}
