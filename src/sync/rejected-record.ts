/**
 * The copy of a rejected row that goes to the rejected-records file. It holds only what the stream
 * sends to Rokt, under the Rokt names the binding gives the columns, and never a raw PII value,
 * whatever `hash_pii` says:
 * - Rokt's PII fields (email, mobile, first/last name, IP address) are written as the SHA-256
 *   digest of their normalized value; a `…sha256` field that is not a digest is hashed too.
 * - Customer and device ids, custom attributes and `metadata.` entries are written hashed (SHA-256
 *   of the string Rokt would get): the connector cannot tell which of a source's own columns hold
 *   personal data.
 * - `clientEventId`, `eventType`, `eventTime`, Rokt's other known fields and an audience's `list` are
 *   written as given, so the row can be found and fixed.
 * Columns the stream drops (unmapped ones, unless `unmapped_columns` is `custom_attributes`) and
 * reserved `rokt.` names are left out.
 */
import { CORE_FIELD_BY_LOWER_NAME, EVENT_FIELDS_BY_LOWER_NAME, METADATA_PREFIX } from '../rules/fields.js';
import type { AudiencePlan } from '../rules/map-audience.js';
import type { EventPlan } from '../rules/map-event.js';
import { hashPii, sha256Hex } from '../rules/normalize.js';
import { isEmptyValue, toRoktString, type FieldPlan } from '../catalog/plan.js';

const RESERVED = /^rokt\./i;
const MD5_HEX = /^[0-9a-f]{32}$/i;
const hashEmail = (text: string) => hashPii('email', text);

/** One field of the copy, or undefined when the stream does not send it. */
type CopiedField = { name: string; value: unknown } | undefined;

/** A copy of the row for the rejected-records file: the fields sent to Rokt, PII hashed. Pure. */
export function hashedCopy(data: Record<string, unknown>, plan: EventPlan | AudiencePlan): Record<string, unknown> {
  const copyField = isAudiencePlan(plan) ? audienceField : eventField;
  // A Map, then Object.fromEntries: a column named `__proto__` stays a plain property.
  const fields = new Map<string, unknown>();
  const keep = (field: CopiedField) => {
    if (field && field.value !== undefined) fields.set(field.name, field.value);
  };
  // Constants first, a non-empty row value wins (as the mappers do).
  for (const [name, value] of plan.constants) keep(copyField({ plan, name, value, explicit: true }));
  for (const column of Object.keys(data)) {
    const value = data[column];
    if (isEmptyValue(value)) continue;
    const renamed = plan.renames.get(column);
    keep(copyField({ plan, name: renamed ?? column, value, explicit: renamed !== undefined }));
  }
  return Object.fromEntries(fields);
}

function isAudiencePlan(plan: EventPlan | AudiencePlan): plan is AudiencePlan {
  return 'defaultList' in plan;
}

interface FieldInput {
  plan: FieldPlan;
  /** The Rokt name: the binding's rename, a constant's name, or the column's own name. */
  name: string;
  value: unknown;
  /** Named by the binding (a rename or a constant), so sent even when unmapped columns are dropped. */
  explicit: boolean;
}

/** Which event fields are sent follows mapEventRecord: core and known fields, `metadata.` entries, other columns per the binding. */
function eventField({ plan, name, value, explicit }: FieldInput): CopiedField {
  const lower = name.toLowerCase();
  if (CORE_FIELD_BY_LOWER_NAME.has(lower)) return { name, value };
  const isMetadata = lower.startsWith(METADATA_PREFIX);
  if (RESERVED.test(isMetadata ? name.slice(METADATA_PREFIX.length) : name)) return undefined;
  const known = isMetadata ? undefined : EVENT_FIELDS_BY_LOWER_NAME.get(lower);
  const pii = known?.pii ?? known?.sha256Of;
  if (pii) return { name, value: hashPii(pii, toRoktString(value)) };
  if (known?.identifier) return { name, value: sha256Hex(toRoktString(value)) };
  if (known) return { name, value };
  if (!isMetadata && !explicit && !plan.keepUnknownColumns) return undefined;
  return { name, value: sha256Hex(toRoktString(value)) };
}

/** Audience rows send only these fields (mapAudienceRecord), matched case-insensitively. */
function audienceField({ name, value }: FieldInput): CopiedField {
  const lower = name.toLowerCase();
  const text = toRoktString(value);
  switch (lower) {
    case 'list':
      return { name: lower, value };
    case 'email':
    case 'emailsha256':
      return { name: lower, value: hashEmail(text) };
    case 'emailmd5':
      // Already a digest when it looks like one; anything else may be a plain address.
      return { name: lower, value: MD5_HEX.test(text.trim()) ? text.trim().toLowerCase() : hashEmail(text) };
    default:
      return undefined;
  }
}
