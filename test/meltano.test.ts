import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import t, { type Test } from 'tap';
import { parse as parseYaml } from 'yaml';
import { sha256Hex } from '../src/rules/normalize.js';
import { jsonl, ROOT, runCli, tempDir, writeJson } from './helpers/cli.js';
import { simConfig, startSimulator } from './helpers/sim.js';

const PROJECT = join(ROOT, 'meltano');
const TARGET = join(ROOT, 'dist/src/target-cli.js');

interface Setting {
  name: string;
  label?: string;
  description?: string;
  kind?: string;
  sensitive?: boolean;
  value?: unknown;
  options?: { label: string; value: unknown }[];
}
interface SpecProperty {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  airbyte_secret?: boolean;
}

const project = parseYaml(readFileSync(join(PROJECT, 'meltano.yml'), 'utf8'));
const loader = project.plugins.loaders.find((plugin: { name: string }) => plugin.name === 'target-rokt');
const extractor = project.plugins.extractors.find((plugin: { name: string }) => plugin.name === 'tap-csv');
const settings = loader.settings as Setting[];
// Read at test time: the settings follow the connector's spec, whatever it holds today.
const spec = JSON.parse(readFileSync(join(ROOT, 'spec.json'), 'utf8')).connectionSpecification as { properties: Record<string, SpecProperty>; required?: string[] };

/** The Meltano `kind` a JSON Schema setting maps to. */
function kindOf(property: SpecProperty): string {
  if (property.enum) return 'options';
  const kinds: Record<string, string> = { string: 'string', integer: 'integer', number: 'decimal', boolean: 'boolean', array: 'array', object: 'object' };
  return kinds[property.type ?? 'string'] ?? 'unknown';
}

/** Checks the YAML's settings against a JSON Schema of settings (spec.json, or --about's). */
function assertSameSettings(t: Test, properties: Record<string, SpecProperty>, source: string): void {
  t.same(settings.map((setting) => setting.name).sort(), Object.keys(properties).sort(), `${source}: the same settings`);
  for (const setting of settings) {
    const property = properties[setting.name];
    if (!property) continue;
    t.equal(setting.sensitive === true, property.airbyte_secret === true, `${source} ${setting.name}: sensitive exactly when secret`);
    t.same(setting.value, property.default, `${source} ${setting.name}: same default`);
    t.equal(setting.kind, kindOf(property), `${source} ${setting.name}: kind ${kindOf(property)}`);
    if (property.enum) t.same(setting.options?.map((option) => option.value), property.enum, `${source} ${setting.name}: same options`);
  }
}

t.test('meltano.yml is valid against Meltano’s own meltano.yml JSON Schema', async (t) => {
  // Meltano's schema (origin, version and license: test/fixtures/meltano/README.md).
  const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/meltano/meltano.schema.json'), 'utf8'));
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  t.ok(validate(project), ajv.errorsText(validate.errors));
  t.notOk('version' in project, 'no deprecated top-level version');
  for (const setting of settings) t.notOk(['password', 'hidden'].includes(String(setting.kind)), `${setting.name}: no deprecated kind`);
});

t.test('every setting has a label and a description; they and their kinds, defaults and secrecy follow spec.json', async (t) => {
  for (const setting of settings) {
    t.ok(typeof setting.label === 'string' && setting.label.trim() !== '', `${setting.name} has a label`);
    t.ok(typeof setting.description === 'string' && setting.description.trim() !== '', `${setting.name} has a description`);
  }
  assertSameSettings(t, spec.properties, 'spec.json');
});

t.test('settings_group_validation: the four credential sets, each with the required settings', async (t) => {
  t.same(loader.settings_group_validation, [
    ['mparticle_api_key', 'mparticle_api_secret'],
    ['account_id', 'public_key', 'secret_key'],
    ['account_id', 'app_id', 'app_secret'],
    ['account_id', 'api_key'],
  ]);
  const names = new Set(settings.map((setting) => setting.name));
  for (const group of loader.settings_group_validation as string[][]) {
    for (const name of group) t.ok(names.has(name), `${name} is a setting`);
    for (const required of spec.required ?? []) t.ok(group.includes(required), `every set holds the required ${required}`);
  }
  for (const name of ['secret_key', 'app_secret', 'api_key']) t.equal(settings.find((setting) => setting.name === name)?.sensitive, true, `${name} is sensitive`);
});

t.test('`target-rokt --about --format json` and meltano.yml agree on capabilities and settings', async (t) => {
  const result = await runCli(['--about', '--format', 'json'], '', { bin: TARGET });
  t.equal(result.code, 0, result.stderr);
  const about = JSON.parse(result.stdout.join('\n'));
  t.same(about.capabilities, loader.capabilities);
  assertSameSettings(t, about.settings.properties, '--about');
  t.equal(loader.namespace, 'target_rokt');
  t.equal(loader.executable, 'target-rokt');
});

/** The example's CSV files, read as tap-csv reads them (header row, then one record per row; values are strings). */
function csvRows(path: string): { header: string[]; rows: Record<string, string>[] } {
  const text = readFileSync(path, 'utf8');
  if (text.includes('"')) throw new Error(`${path}: this test's CSV reader does not handle quoted fields`);
  const [header = [], ...rows] = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(','));
  return { header, rows: rows.map((cells) => Object.fromEntries(header.map((column, index) => [column, cells[index] ?? '']))) };
}

t.test('the example project is complete: every file it names exists', async (t) => {
  for (const file of extractor.config.files as { path: string }[]) {
    t.doesNotThrow(() => accessSync(join(PROJECT, file.path), constants.R_OK), `${file.path} exists`);
    t.ok(csvRows(join(PROJECT, file.path)).rows.length > 0, `${file.path} has rows`);
  }
  // The header points at the Docker wrapper as the alternative executable.
  t.match(readFileSync(join(PROJECT, 'meltano.yml'), 'utf8'), /executable: \.\/target-rokt-docker\.sh/);
  t.doesNotThrow(() => accessSync(join(PROJECT, 'target-rokt-docker.sh'), constants.X_OK), 'the Docker wrapper exists and is executable');
});

t.test('the example’s data, as tap-csv emits it, goes through target-rokt with the example’s config', async (t) => {
  const sim = await startSimulator(t);
  const messages: unknown[] = [];
  const expected: Record<string, Record<string, string>[]> = {};
  for (const file of extractor.config.files as { entity: string; path: string; keys: string[] }[]) {
    const { header, rows } = csvRows(join(PROJECT, file.path));
    expected[file.entity] = rows;
    // tap-csv (Meltano SDK) types every column as a nullable string.
    const properties = Object.fromEntries(header.map((column) => [column, { type: ['string', 'null'] }]));
    messages.push({ type: 'SCHEMA', stream: file.entity, schema: { properties, type: 'object' }, key_properties: file.keys });
    for (const record of rows) messages.push({ type: 'RECORD', stream: file.entity, record, time_extracted: new Date().toISOString() });
  }
  const state = { bookmarks: Object.fromEntries(Object.keys(expected).map((entity) => [entity, {}])) };
  messages.push({ type: 'STATE', value: state });
  // The example's loader config; only the account, credentials and URLs point at the simulator.
  const config = writeJson(tempDir(), 'target.config.json', { ...loader.config, ...simConfig(sim, ['v2']) });
  const result = await runCli(['--config', config], jsonl(messages), { bin: TARGET });
  t.equal(result.code, 0, result.stderr);
  t.same(result.stdout.filter(Boolean).map((line) => JSON.parse(line)), [state], 'the state is echoed once everything is in Rokt');
  const orders = expected.orders ?? [];
  t.same(sim.acceptedEvents.map((accepted) => accepted.clientEventId).sort(), orders.map((order) => order.order_id).sort(), 'every order is an event');
  const vips = expected.vip_customers ?? [];
  t.same([...sim.audienceMembers('VIP')].sort(), vips.map((vip) => sha256Hex(String(vip.email))).sort(), 'every VIP is in the audience, hashed');
  t.notMatch(result.stderr, /Rejected|CRITICAL/);
});
