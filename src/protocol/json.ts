import { isSafeNumber, parse as losslessParse } from 'lossless-json';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Long digit runs may be integers beyond 2^53: such lines are re-parsed losslessly. */
const LONG_DIGITS = /\d{16}/;

/** Integers beyond 2^53 are kept as their exact digits (a string); other numbers as numbers. */
function parseNumberKeepingDigits(text: string): unknown {
  return isSafeNumber(text, { approx: false }) ? Number(text) : /^-?\d+$/.test(text) ? text : Number(text);
}

/**
 * Parses one protocol line. JSON.parse first (fast); then the rare lines where that may have lost
 * digits are parsed again: state lines keep every number exactly as written (lossless-json
 * numbers, echoed byte for byte), and record values beyond 2^53 keep their digits as strings.
 * Throws on invalid JSON.
 */
export function parseMessageLine(text: string, isState: (message: Record<string, unknown>) => boolean): unknown {
  const message: unknown = JSON.parse(text);
  if (!isObject(message)) return message;
  if (isState(message)) return losslessParse(text);
  if (LONG_DIGITS.test(text)) return losslessParse(text, null, parseNumberKeepingDigits);
  return message;
}
