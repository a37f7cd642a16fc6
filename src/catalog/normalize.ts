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

/** Rokt's normalization rules (../shared/rokt-api.md §3), applied before hashing. */
export function normalizePii(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'email':
    case 'name':
      return value.trim().toLowerCase().replace(SPACES, '');
    case 'mobile': {
      const digits = value.replace(NON_DIGITS, '');
      // Rokt wants the 10-digit national number: drop a leading US/Canada country code.
      return digits.length === 11 && digits.startsWith('1') ? digits.slice(1) : digits;
    }
    case 'ip': {
      const trimmed = value.trim();
      return trimmed.includes(':') ? trimmed.toLowerCase() : trimmed;
    }
  }
}

export function normalizeZip(value: string): string {
  return value.trim().replace(SPACES, '');
}

/**
 * The value to send for a PII field with hashing on: an existing 64-hex digest passes through
 * lowercased (never hashed twice); anything else is normalized and hashed.
 * Returns undefined when nothing is left after normalization.
 */
export function hashPii(kind: PiiKind, value: string): string | undefined {
  const trimmed = value.trim();
  if (isSha256Hex(trimmed)) return trimmed.toLowerCase();
  const normalized = normalizePii(kind, value);
  return normalized === '' ? undefined : sha256Hex(normalized);
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function isPlausibleEmail(normalized: string): boolean {
  return EMAIL.test(normalized);
}
