import { Ajv, type Options, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { isObject } from './json.js';
import { withApproximateNumbers } from './approximate-numbers.js';

/**
 * Compiles the JSON Schemas that real taps put in SCHEMA messages, which are written for Python's
 * jsonschema rather than for Ajv:
 * - numbers kept exactly as written (`"maximum": 9223372036854775807` on every BIGINT) become plain
 *   numbers — a bound needs no more precision than the values it is compared with;
 * - draft-04 boolean `exclusiveMaximum`/`exclusiveMinimum` (pipelinewise tap-postgres on NUMERIC)
 *   become their numeric draft-06+ form;
 * - `$schema` picks the engine (2020-12/2019-09 or draft-07) instead of being a reference to resolve;
 * - `multipleOf` tolerates binary floating point (`1.15` is a multiple of `0.01`).
 */
export class SingerSchemaCompiler {
  private draft07?: Ajv;
  private draft2020?: Ajv2020;
  /** Taps re-send the same SCHEMA often (SDK child streams, per partition): compile each text once. */
  private readonly compiled = new Map<string, ValidateFunction>();

  compile(schema: Record<string, unknown>): ValidateFunction {
    const prepared = compilableSchema(schema);
    const key = `${prepared.draft}:${JSON.stringify(prepared.schema)}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const ajv = prepared.draft === '2020-12' ? (this.draft2020 ??= withFloatMultipleOf(new Ajv2020(AJV_OPTIONS))) : (this.draft07 ??= withFloatMultipleOf(new Ajv(AJV_OPTIONS)));
    try {
      const validate = ajv.compile(prepared.schema);
      if (this.compiled.size >= MAX_COMPILED) this.compiled.clear();
      this.compiled.set(key, validate);
      return validate;
    } finally {
      // Ajv keeps every compiled schema, and refuses a second schema with the same `$id` (a re-sent,
      // changed SCHEMA): forget it; the compiled function keeps working.
      ajv.removeSchema(prepared.schema);
    }
  }
}

const MAX_COMPILED = 256;

// Formats are not checked (as in the Meltano SDK): taps write `date-time` values in many shapes.
const AJV_OPTIONS: Options = { strict: false, allErrors: false, validateFormats: false };

export interface CompilableSchema {
  schema: Record<string, unknown>;
  draft: '07' | '2020-12';
}

/** The schema Ajv can compile, and the draft to compile it with. The input is not changed. */
export function compilableSchema(schema: Record<string, unknown>): CompilableSchema {
  const copy = structuredClone(withApproximateNumbers(schema));
  const declared = typeof copy.$schema === 'string' ? copy.$schema : '';
  visitSchema(copy);
  return { schema: copy, draft: /draft\/(2020-12|2019-09)\//.test(declared) ? '2020-12' : '07' };
}

/** Keywords whose value is a map of name → subschema. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas'];
/** Keywords whose value is a subschema, or a list of subschemas. */
const SUBSCHEMAS = ['items', 'additionalItems', 'prefixItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties', 'anyOf', 'allOf', 'oneOf'];

/** Rewrites one (sub)schema in place, then its subschemas; values of `enum`, `const`, `default` are data and stay as they are. */
function visitSchema(schema: unknown): void {
  if (!isObject(schema)) return;
  if (typeof schema.$schema === 'string') delete schema.$schema;
  draft04Bound(schema, 'exclusiveMaximum', 'maximum');
  draft04Bound(schema, 'exclusiveMinimum', 'minimum');
  for (const keyword of SCHEMA_MAPS) {
    const map = schema[keyword];
    if (isObject(map)) for (const name in map) visitSchema(map[name]);
  }
  for (const keyword of SUBSCHEMAS) {
    const value = schema[keyword];
    if (Array.isArray(value)) value.forEach(visitSchema);
    else visitSchema(value);
  }
}

/** Draft-04 `{"maximum": 10, "exclusiveMaximum": true}` is draft-06+ `{"exclusiveMaximum": 10}`. */
function draft04Bound(schema: Record<string, unknown>, exclusive: 'exclusiveMaximum' | 'exclusiveMinimum', bound: 'maximum' | 'minimum'): void {
  const flag = schema[exclusive];
  if (typeof flag !== 'boolean') return;
  delete schema[exclusive];
  if (flag && typeof schema[bound] === 'number') {
    schema[exclusive] = schema[bound];
    delete schema[bound];
  }
}

/**
 * Whether `value / divisor` is a whole number, allowing for the rounding error of binary floating
 * point (a few units in the last place of the quotient): 1.15 / 0.01 is 114.99999999999999.
 */
export function isMultipleOf(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  if (!Number.isFinite(quotient)) return true;
  const tolerance = Math.max(1e-9, Math.abs(quotient) * 4 * Number.EPSILON);
  return Math.abs(quotient - Math.round(quotient)) <= tolerance;
}

function withFloatMultipleOf<T extends Ajv | Ajv2020>(ajv: T): T {
  const validate: SchemaValidateFunction = (divisor: number, value: number) => {
    if (isMultipleOf(value, divisor)) return true;
    validate.errors = [{ keyword: 'multipleOf', message: `must be multiple of ${divisor}`, params: { multipleOf: divisor } }];
    return false;
  };
  ajv.removeKeyword('multipleOf');
  ajv.addKeyword({ keyword: 'multipleOf', type: 'number', schemaType: 'number', validate, errors: true });
  return ajv;
}
