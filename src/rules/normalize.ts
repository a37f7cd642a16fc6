import * as crypto from 'node:crypto';
import type { PiiKind } from './fields.js';

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const SPACES = /\s+/g;
const NON_DIGITS = /\D+/g;

/** One-shot `crypto.hash` (Node ≥ 20.12) is ~5× cheaper than a Hash object; fall back on older Node. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256Hex(value: string): string {
  return oneShotHash ? oneShotHash('sha256', value, 'hex') : crypto.createHash('sha256').update(value, 'utf8').digest('hex');
}

export function isSha256Hex(value: string): boolean {
  return value.length === 64 && SHA256_HEX.test(value);
}

/** A PII value in the form Rokt hashes, or why it cannot take that form (never the value itself). */
export type NormalizedPii = { ok: true; normalized: string } | { ok: false; reason: string };

/** Rokt's normalization rules for text PII (rokt-api.md §3), applied before hashing. */
export function normalizePii(kind: Exclude<PiiKind, 'mobile'>, value: string): string {
  switch (kind) {
    case 'email':
    case 'name':
      return value.trim().toLowerCase().replace(SPACES, '');
    case 'ip': {
      const trimmed = value.trim();
      return trimmed.includes(':') ? trimmed.toLowerCase() : trimmed;
    }
  }
}

/** Any PII kind: text rules always apply; a phone number may not fit Rokt's form. */
export function normalizePiiValue(kind: PiiKind, value: string): NormalizedPii {
  return kind === 'mobile' ? normalizeMobile(value) : { ok: true, normalized: normalizePii(kind, value) };
}

const NATIONAL_DIGITS = 10;
const PHONE_CHARACTERS = /^\+?[\d\s().\/-]*$/;
const PHONE_EXTENSION = /(?:ext(?:ension|n)?\.?|x|#|;\s*ext\s*=|,)\s*\d+$/i;

/**
 * Rokt matches mobiles as the 10-digit North American number: digits only, no country code, no
 * symbols (`(732) 757-2923` → `7327572923`). A number that cannot be brought to that form
 * (another country's, an extension, too few or too many digits) is refused rather than hashed
 * into a digest that can never match. Whitespace alone normalizes to '' (no value).
 */
export function normalizeMobile(value: string): NormalizedPii {
  const text = value.trim();
  if (text === '') return { ok: true, normalized: '' };
  if (PHONE_EXTENSION.test(text)) return { ok: false, reason: 'mobile has an extension, which a mobile number cannot have: send the number alone' };
  if (!PHONE_CHARACTERS.test(text)) return { ok: false, reason: 'mobile is not a phone number: only digits, spaces, ( ) . - / and a leading + are allowed' };
  const digits = text.replace(NON_DIGITS, '');
  if (digits === '') return { ok: false, reason: 'mobile has no digits' };
  const international = afterInternationalPrefix(text, digits);
  if (international !== undefined) {
    if (!international.startsWith('1')) {
      return { ok: false, reason: "mobile has a country code other than +1: Rokt takes a US/Canada number's 10 digits without country code (send other numbers normalized and hashed as mobilesha256)" };
    }
    const national = international.slice(1);
    if (national.length !== NATIONAL_DIGITS) return { ok: false, reason: `mobile has ${national.length} digits after the country code +1, not 10` };
    return { ok: true, normalized: national };
  }
  if (digits.length === NATIONAL_DIGITS + 1 && digits.startsWith('1')) return { ok: true, normalized: digits.slice(1) };
  if (digits.length === NATIONAL_DIGITS) return { ok: true, normalized: digits };
  return { ok: false, reason: `mobile has ${digits.length} digits: Rokt takes the 10-digit number without country code` };
}

/**
 * The digits after an international prefix (`+`, or dialled as `00` or North America's `011`), or
 * undefined for a number written without one. A dialled prefix is only read as one when the number
 * is longer than a country code 1 plus 10 digits could be without it.
 */
function afterInternationalPrefix(text: string, digits: string): string | undefined {
  if (text.startsWith('+')) return digits;
  if (digits.length <= NATIONAL_DIGITS + 1) return undefined;
  if (digits.startsWith('011')) return digits.slice(3);
  if (digits.startsWith('00')) return digits.slice(2);
  return undefined;
}

export function normalizeZip(value: string): string {
  return value.trim().replace(SPACES, '');
}

/** A digest, no value (nothing left after normalization), or why the value cannot be hashed usefully. */
export type HashedPii = { ok: true; digest: string | undefined } | { ok: false; reason: string };

/**
 * The value to send for a PII field with hashing on: an existing 64-hex digest passes through
 * lowercased (never hashed twice); anything else is normalized and hashed, or refused when it
 * cannot take Rokt's form.
 */
export function hashPiiValue(kind: PiiKind, value: string): HashedPii {
  const trimmed = value.trim();
  if (isSha256Hex(trimmed)) return { ok: true, digest: trimmed.toLowerCase() };
  const normalized = normalizePiiValue(kind, value);
  if (!normalized.ok) return normalized;
  return { ok: true, digest: normalized.normalized === '' ? undefined : sha256Hex(normalized.normalized) };
}

/** hashPiiValue's digest alone: undefined when there is none to send, including a refused value. */
export function hashPii(kind: PiiKind, value: string): string | undefined {
  const hashed = hashPiiValue(kind, value);
  return hashed.ok ? hashed.digest : undefined;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function isPlausibleEmail(normalized: string): boolean {
  return EMAIL.test(normalized);
}
