/**
 * The printed spec against Airbyte's rules for connector specs. Each rule cites where it comes from:
 * - CAT: Airbyte's connector acceptance tests, github.com/airbytehq/airbyte,
 *   airbyte-integrations/bases/connector-acceptance-test/connector_acceptance_test/tests/test_core.py,
 *   class TestSpec (read at commit ddb755fcdeb3371a755a06c1ab937d3bafbd14be); the test's name is given.
 * - SPEC-REF: docs/platform/connector-development/connector-specification-reference.md (same repository).
 * - FORM: the connector form, github.com/airbytehq/airbyte-platform,
 *   airbyte-webapp/src/core/form/schemaToFormBlock.ts and .../ConnectorForm/components/Sections/ArraySection.tsx.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import t from 'tap';
import { ROOT, runCli } from './helpers/cli.js';

type Schema = Record<string, any>;

const printed = await runCli(['spec']);
const spec = JSON.parse(printed.stdout[0] as string).spec as Schema;
const connection = spec.connectionSpecification as Schema;

/** Every object node of the schema with its path (like dpath's `**`), the root included. */
function nodes(root: unknown, path: string[] = []): { path: string[]; node: Schema }[] {
  if (typeof root !== 'object' || root === null) return [];
  const found = Array.isArray(root) ? [] : [{ path, node: root as Schema }];
  for (const [key, value] of Object.entries(root)) found.push(...nodes(value, [...path, key]));
  return found;
}

/** The nodes that hold `keyword` as a JSON Schema keyword (not as the name of a property). */
function withKeyword(keyword: string): { path: string[]; node: Schema }[] {
  return nodes(connection).filter(({ path, node }) => keyword in node && path[path.length - 1] !== 'properties');
}

/** Every (name, property schema) of every object's `properties`. */
function properties(): { path: string[]; name: string; property: Schema }[] {
  return withKeyword('properties').flatMap(({ path, node }) => Object.entries(node.properties as Schema).map(([name, property]) => ({ path: [...path, 'properties', name], name, property: property as Schema })));
}

const at = (path: string[]) => path.join('/') || '(root)';

t.test('CAT test_match_expected: spec.json is the printed spec (`npm run spec:update` rewrites it)', async (t) => {
  t.equal(printed.code, 0);
  t.same(spec, JSON.parse(readFileSync(join(ROOT, 'spec.json'), 'utf8')));
});

t.test('CAT test_config_match_spec: configs the form produces validate against the spec', async (t) => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const validate = ajv.compile(connection);
  const configs = [
    { account_id: '3067734276394312456', app_id: 'app', app_secret: 'secret' },
    {
      account_id: '3067734276394312456',
      public_key: 'rpub-abc',
      secret_key: 'rsec-abc',
      event_type: 'signup',
      streams: [
        {
          stream: 'orders',
          object: 'event',
          columns: [
            { column: 'order_id', field: 'clientEventId' },
            { column: 'channel', field: 'metadata.channel' },
          ],
          constants: [{ field: 'conversiontype', value: 'purchase' }],
          client_event_id_from_primary_key: true,
          primary_key: ['order_id'],
        },
        { stream: 'churned', namespace: 'crm', object: 'audience', audience_name: 'Winback', action: 'exclude', columns: [{ column: 'mail', field: 'email' }] },
      ],
    },
  ];
  for (const config of configs) t.ok(validate(config), ajv.errorsText(validate.errors));
  t.notOk(validate({ account_id: '1', api_url: 'https://api.rokt.com?x=1' }), 'the published pattern refuses a query string');
  t.notOk(validate({ account_id: '1', streams: [{ stream: 'orders' }] }), 'a binding needs its object');
});

t.test('CAT test_enum_usage: enum values are distinct', async (t) => {
  for (const { path, node } of withKeyword('enum')) t.equal(new Set(node.enum).size, node.enum.length, at(path));
});

t.test('CAT test_oneof_usage (and SPEC-REF "Using oneOf"): oneOf/anyOf only as objects with one const discriminator', async (t) => {
  for (const keyword of ['oneOf', 'anyOf']) {
    for (const { path, node } of withKeyword(keyword)) {
      t.equal(node.type, 'object', `${at(path)}: the parent of ${keyword} is an object`);
      const variants = node[keyword] as Schema[];
      for (const variant of variants) t.ok(variant.properties, `${at(path)}: each variant has properties`);
      const common = Object.keys(variants[0]?.properties ?? {}).filter((name) => variants.every((variant) => name in (variant.properties ?? {})));
      const discriminators = common.filter((name) => variants.every((variant) => 'const' in variant.properties[name]));
      t.equal(discriminators.length, 1, `${at(path)}: exactly one common const property`);
    }
  }
});

// CAT's secret_property_names fixture: property names that must be airbyte_secret when they can hold a secret.
const CAT_SECRET_NAMES = ['client_token', 'access_token', 'api_token', 'token', 'secret', 'client_secret', 'password', 'key', 'service_account_info', 'service_account', 'tenant_id', 'certificate', 'jwt', 'credentials', 'app_id', 'appid', 'refresh_token'];
const RESERVED = new Set(['anyOf', 'oneOf', 'allOf', 'not', 'properties', 'items', 'type', 'prefixItems']);
const canHoldSecret = (property: Schema) => {
  const types = [property.type].flat();
  return types.some((type) => ['string', 'integer', 'number'].includes(type)) && !property.const;
};

t.test('CAT test_secret_is_properly_marked: secret-like names are airbyte_secret; only values that can hold one are', async (t) => {
  for (const { path, node } of nodes(connection.properties, ['properties']).filter(({ node }) => 'type' in node)) {
    const name = [...path].reverse().find((part) => !/^\d+$/.test(part) && !RESERVED.has(part));
    if (name && CAT_SECRET_NAMES.includes(name.toLowerCase()) && canHoldSecret(node)) t.equal(node.airbyte_secret, true, `${at(path)} is airbyte_secret`);
    if (node.airbyte_secret) t.ok(canHoldSecret(node), `${at(path)} can hold a secret`);
  }
  // Ours, stricter than CAT's exact names: every credential but the public key is secret (app_id included).
  const secret = Object.entries(connection.properties as Schema).filter(([, property]) => property.airbyte_secret === true).map(([name]) => name);
  t.same(secret.sort(), ['api_key', 'app_id', 'app_secret', 'mparticle_api_key', 'mparticle_api_secret', 'secret_key']);
  for (const { name, property } of properties()) {
    const secretLike = /(secret|password|token)/i.test(name) || (/key$/i.test(name) && !/(public|primary)_key$/i.test(name));
    if (secretLike && canHoldSecret(property)) t.equal(property.airbyte_secret, true, `${name} looks secret`);
  }
});

t.test('CAT test_property_type_is_not_array: a property has one type, or one type and null', async (t) => {
  for (const { path, property } of properties()) {
    if (!Array.isArray(property.type)) continue;
    t.ok(property.type.length === 1 || (property.type.length === 2 && property.type[1] === 'null'), `${at(path)}: ${JSON.stringify(property.type)}`);
  }
  for (const { path, property } of properties()) t.ok(property.type !== undefined || property.oneOf, `${at(path)} has a type the form can render (FORM)`);
});

t.test('CAT test_object_not_empty: every object declares properties', async (t) => {
  for (const { path, node } of withKeyword('type')) {
    if (path.length === 0 || node.type !== 'object') continue;
    t.ok(node.oneOf || Object.keys(node.properties ?? {}).length > 0, `${at(path)} has properties`);
  }
});

t.test('CAT test_array_type (and FORM objectArray): an array has one item schema: an object, a string, a number or an enum', async (t) => {
  for (const { path, node } of withKeyword('type')) {
    if (node.type !== 'array' || node.items === undefined) continue;
    t.notOk(Array.isArray(node.items), `${at(path)}: one item schema`);
    t.ok(['object', 'string', 'number', 'integer'].includes(node.items.type) || node.items.enum, `${at(path)}: items are ${node.items.type}`);
  }
});

t.test('CAT test_forbidden_complex_types: no not, anyOf, allOf, if/then/else, patternProperties, prefixItems, dependent*', async (t) => {
  for (const keyword of ['not', 'anyOf', 'patternProperties', 'prefixItems', 'allOf', 'if', 'then', 'else', 'dependentSchemas', 'dependentRequired']) {
    t.same(withKeyword(keyword).map(({ path }) => at(path)), [], keyword);
  }
});

t.test('CAT test_date_pattern / test_date_format: date formats go with the date picker’s patterns', async (t) => {
  const patterns: Record<string, string> = { date: '^[0-9]{2}-[0-9]{2}-[0-9]{4}$', 'date-time': '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2})?$' };
  for (const { path, node } of withKeyword('format')) if (patterns[node.format]) t.equal(node.pattern, patterns[node.format], at(path));
  for (const { path, node } of withKeyword('pattern')) {
    const format = Object.keys(patterns).find((name) => patterns[name] === node.pattern);
    if (format) t.equal(node.format, format, at(path));
  }
});

t.test('CAT test_duplicate_order (and SPEC-REF "Ordering fields"): order values are unique within an object and group', async (t) => {
  for (const { path, node } of withKeyword('properties')) {
    if (node.type !== 'object') continue;
    const used = new Set<string>();
    for (const [name, property] of Object.entries(node.properties as Schema)) {
      if (!('order' in property)) continue;
      t.ok(Number.isInteger(property.order), `${at(path)}.${name}: order is an integer`);
      const slot = JSON.stringify([property.group ?? '', property.order]);
      t.notOk(used.has(slot), `${at(path)}.${name}: order ${property.order} is not used twice`);
      used.add(slot);
    }
  }
});

t.test('CAT test_nested_group: group only on top-level properties', async (t) => {
  for (const { path, name, property } of properties()) if ('group' in property) t.equal(path.length, 2, `${at(path)} (${name})`);
});

t.test('CAT test_display_type: display_type only on oneOf fields, dropdown or radio', async (t) => {
  for (const { path, node } of withKeyword('display_type')) {
    t.ok(node.oneOf, at(path));
    t.ok(['dropdown', 'radio'].includes(node.display_type), at(path));
  }
});

t.test('CAT test_defined_refs_exist_in_json_spec_file: no $ref in the spec', async (t) => {
  t.notOk(JSON.stringify(spec).includes('"$ref"'));
  t.notOk(JSON.stringify(spec).includes('"$defs"'));
});

t.test('CAT test_additional_properties_is_true: additionalProperties is absent or true, everywhere', async (t) => {
  for (const { path, node } of withKeyword('additionalProperties')) t.equal(node.additionalProperties, true, at(path));
});

t.test('SPEC-REF and FORM: every field has a title and a description; examples, defaults and patterns fit their field', async (t) => {
  const ajv = new Ajv({ strict: false });
  for (const { path, property } of properties()) {
    t.type(property.title, 'string', `${at(path)} has a title (the form and its item lists show it)`);
    t.type(property.description, 'string', `${at(path)} has a description`);
    if ('pattern' in property) t.doesNotThrow(() => new RegExp(property.pattern), `${at(path)}: pattern compiles`);
    if ('pattern_descriptor' in property) t.type(property.pattern_descriptor, 'string', `${at(path)}: pattern_descriptor is text`);
    if ('always_show' in property) t.ok(path.length === 2 && 'order' in property, `${at(path)}: always_show goes with an order, on a top-level field`);
    const { examples, default: fallback, title, description, order, always_show, pattern_descriptor, airbyte_secret, ...validation } = property;
    const fits = ajv.compile(validation);
    if (examples !== undefined) {
      t.ok(Array.isArray(examples), `${at(path)}: examples is a list`);
      for (const example of examples) t.ok(fits(example), `${at(path)}: example ${JSON.stringify(example)} is valid`);
    }
    if (fallback !== undefined) t.ok(fits(fallback), `${at(path)}: default is valid`);
  }
});

t.test('FORM: constants.value is a plain string field (the form renders one type; hand-written configs may still give numbers)', async (t) => {
  const value = connection.properties.streams.items.properties.constants.items.properties.value;
  t.equal(value.type, 'string');
  t.same(connection.properties.streams.items.required, ['stream', 'object']);
  t.equal(connection.properties.streams.always_show, true, 'bindings are shown with the required fields, not folded away');
});
