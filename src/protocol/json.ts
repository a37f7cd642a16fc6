import { isSafeNumber, parse as losslessParse } from 'lossless-json';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when JSON.parse produced an integer beyond 2^53, which may have lost digits. */
function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasUnsafeInteger);
  for (const key in value) if (hasUnsafeInteger((value as Record<string, unknown>)[key])) return true;
  return false;
}

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
  if (hasUnsafeInteger(message)) return losslessParse(text, null, parseNumberKeepingDigits);
  return message;
}
