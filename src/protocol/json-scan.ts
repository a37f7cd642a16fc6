/**
 * A small JSON scanner for the rare paths where JSON.parse is not enough: saying where and why a
 * line is not JSON without quoting it (JSON.parse's messages quote input bytes, which may be PII or
 * secrets), and finding the exact text of a member so a STATE can be echoed byte for byte however
 * deeply it nests. Iterative, so depth costs no stack.
 */

export interface JsonSyntaxProblem {
  /** 1-based character position in the line. */
  column: number;
  kind: string;
}

export interface Span {
  start: number;
  end: number;
}

class ScanError extends Error {
  constructor(
    readonly position: number,
    readonly kind: string,
  ) {
    super(kind);
  }
}

const isSpace = (code: number) => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;

function skipSpace(text: string, position: number): number {
  while (position < text.length && isSpace(text.charCodeAt(position))) position += 1;
  return position;
}

function scanString(text: string, position: number): number {
  // position is at the opening quote
  for (let index = position + 1; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x22) return index + 1;
    if (code < 0x20) throw new ScanError(index, 'control character inside a string');
    if (code === 0x5c) {
      const next = text[index + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) throw new ScanError(index, 'invalid \\u escape in a string');
        index += 5;
      } else if (next !== undefined && '"\\/bfnrt'.includes(next)) {
        index += 1;
      } else {
        throw new ScanError(index, next === undefined ? 'the line ends inside a string' : 'invalid escape in a string');
      }
    }
  }
  throw new ScanError(text.length, 'the line ends inside a string');
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function scanScalar(text: string, position: number): number {
  const char = text[position];
  if (char === '"') return scanString(text, position);
  for (const word of ['true', 'false', 'null']) if (text.startsWith(word, position)) return position + word.length;
  NUMBER.lastIndex = position;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  throw new ScanError(position, position >= text.length ? 'the line ends where a value should start' : 'unexpected character where a value should start');
}

type Frame = { kind: 'object' | 'array'; expect: 'first' | 'value' | 'separator' };

/** Scans one JSON value from `start`; returns where it ends. Throws ScanError. */
function scanValue(text: string, start: number): number {
  const stack: Frame[] = [];
  let position = skipSpace(text, start);
  for (;;) {
    const top = stack[stack.length - 1];
    if (top && top.expect !== 'value') {
      position = skipSpace(text, position);
      const char = text[position];
      const closer = top.kind === 'object' ? '}' : ']';
      if (char === closer) {
        stack.pop();
        position += 1;
        if (stack.length === 0) return position;
        continue;
      }
      if (top.expect === 'separator') {
        if (char !== ',') throw new ScanError(position, position >= text.length ? 'the line ends inside an object or array' : `expected ',' or '${closer}'`);
        position = skipSpace(text, position + 1);
      }
      if (top.kind === 'object') {
        if (text[position] !== '"') throw new ScanError(position, position >= text.length ? 'the line ends inside an object' : 'expected a property name in double quotes');
        position = skipSpace(text, scanString(text, position));
        if (text[position] !== ':') throw new ScanError(position, "expected ':' after a property name");
        position += 1;
      }
      top.expect = 'value';
    }
    position = skipSpace(text, position);
    const char = text[position];
    if (char === '{' || char === '[') {
      if (top) top.expect = 'separator';
      stack.push({ kind: char === '{' ? 'object' : 'array', expect: 'first' });
      position += 1;
      continue;
    }
    position = scanScalar(text, position);
    if (!top) return position;
    top.expect = 'separator';
  }
}

/** Where and why `text` is not one JSON value, or undefined when it is. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  try {
    const end = skipSpace(text, scanValue(text, 0));
    if (end < text.length) return { column: end + 1, kind: 'unexpected text after the JSON value' };
    return undefined;
  } catch (error) {
    if (error instanceof ScanError) return { column: error.position + 1, kind: error.kind };
    throw error;
  }
}

/**
 * The members of the object starting at `start` (a '{'), as spans of their values, by name.
 * Returns undefined when the text there is not an object. Only called on text JSON.parse accepted.
 */
export function objectMemberSpans(text: string, start: number): Map<string, Span & { memberStart: number }> | undefined {
  let position = skipSpace(text, start);
  if (text[position] !== '{') return undefined;
  const members = new Map<string, Span & { memberStart: number }>();
  position = skipSpace(text, position + 1);
  if (text[position] === '}') return members;
  for (;;) {
    const memberStart = position;
    const nameEnd = scanString(text, position);
    const name = JSON.parse(text.slice(position, nameEnd)) as string;
    position = skipSpace(text, nameEnd) + 1; // past ':'
    const valueStart = skipSpace(text, position);
    const valueEnd = scanValue(text, valueStart);
    members.set(name, { start: valueStart, end: valueEnd, memberStart });
    position = skipSpace(text, valueEnd);
    if (text[position] === '}') return members;
    position = skipSpace(text, position + 1); // past ','
  }
}
