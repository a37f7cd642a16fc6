import { hashPii, isPlausibleEmail, isSha256Hex, normalizePii } from './normalize.js';
import { isEmptyValue, reject, toRoktString, type FieldPlan, type Mapped } from '../catalog/plan.js';

export type AudienceAction = 'include' | 'exclude';
/** The Audience API body key a member goes under: plain and hashed never share a request. */
export type IdentifierKey = 'emails' | 'sha256s';

export interface AudienceMember {
  list: string;
  action: AudienceAction;
  key: IdentifierKey;
  identifier: string;
}

export interface AudiencePlan extends FieldPlan {
  hashPii: boolean;
  defaultList: string;
  action: AudienceAction;
}

const AUDIENCE_NAMES = new Set(['email', 'emailsha256', 'emailmd5', 'list']);

/** The row's audience fields under their lower-cased Rokt names: constants first, row values win. */
function audienceFields(data: Record<string, unknown>, plan: FieldPlan): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  const keep = (name: string, value: unknown) => {
    const lower = name.toLowerCase();
    if (AUDIENCE_NAMES.has(lower)) fields.set(lower, value);
  };
  for (const [name, value] of plan.constants) keep(name, value);
  for (const column in data) {
    const value = data[column];
    if (!isEmptyValue(value)) keep(plan.renames.get(column) ?? column, value);
  }
  return fields;
}

export const MD5_REASON =
  "Rokt's audience import API accepts no MD5 identifier: send a plain email (the connector hashes it with SHA-256) or a SHA-256 digest (emailsha256)";

/** Maps one record to an audience membership change, or says why it cannot be sent. Pure. */
export function mapAudienceRecord({ data, plan }: { data: Record<string, unknown>; plan: AudiencePlan }): Mapped<AudienceMember> {
  const fields = audienceFields(data, plan);

  const rowList = fields.get('list');
  const list = isEmptyValue(rowList) ? plan.defaultList : toRoktString(rowList).trim();
  if (list === '') return reject('list is blank', 'list');
  const base = { list, action: plan.action };

  const email = fields.get('email');
  if (!isEmptyValue(email)) {
    const text = toRoktString(email);
    const normalized = normalizePii('email', text);
    if (plan.hashPii && isSha256Hex(normalized)) return { ok: true, value: { ...base, key: 'sha256s', identifier: normalized } };
    if (!isPlausibleEmail(normalized)) return reject('email is not a valid email address', 'email');
    if (!plan.hashPii) return { ok: true, value: { ...base, key: 'emails', identifier: normalized } };
    return { ok: true, value: { ...base, key: 'sha256s', identifier: hashPii('email', normalized) as string } };
  }
  const hashed = fields.get('emailsha256');
  if (!isEmptyValue(hashed)) {
    const text = toRoktString(hashed).trim();
    if (!isSha256Hex(text)) return reject('emailsha256 must be a 64-hex SHA-256 digest', 'emailsha256');
    return { ok: true, value: { ...base, key: 'sha256s', identifier: text.toLowerCase() } };
  }
  if (!isEmptyValue(fields.get('emailmd5'))) return reject(MD5_REASON, 'emailmd5');
  return reject('the row has no identifier: it needs email or emailsha256', 'email');
}
