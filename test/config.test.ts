import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseConfig, readJsonFile } from '../src/config/load.js';
import { outputPathProblems } from '../src/config/output-paths.js';
import { suggestName } from '../src/config/suggest.js';
import { URL_PATTERN, urlProblem } from '../src/config/url.js';
import { ConfigError } from '../src/errors.js';
import { tempDir } from './helpers/cli.js';

const BASE = { account_id: '1234567890', public_key: 'rpub-x', secret_key: 'rsec-x' };

/** The message of the ConfigError `parseConfig` throws (fails the test when it does not throw). */
function configError(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  t.fail(`expected a config error for ${JSON.stringify(raw)}`);
  return '';
}

t.test('the map form of streams (hand-written, Meltano) and the array form (Airbyte form) load to the same config', async (t) => {
  const mapForm = parseConfig({
    ...BASE,
    streams: {
      orders: { object: 'event', columns: { order_id: 'clientEventId', mail: 'email' }, constants: { conversiontype: 'purchase', quantity: 1, test: true }, client_event_id_from_primary_key: true, primary_key: ['order_id'] },
      churned: { object: 'audience', audience_name: 'Winback', action: 'exclude', columns: { mail: 'email' } },
    },
  });
  const arrayForm = parseConfig({
    ...BASE,
    streams: [
      {
        stream: 'orders',
        object: 'event',
        columns: [
          { column: 'order_id', field: 'clientEventId' },
          { column: 'mail', field: 'email' },
        ],
        constants: [
          { field: 'conversiontype', value: 'purchase' },
          { field: 'quantity', value: 1 },
          { field: 'test', value: true },
        ],
        client_event_id_from_primary_key: true,
        primary_key: ['order_id'],
      },
      { stream: 'churned', object: 'audience', audience_name: 'Winback', action: 'exclude', columns: [{ column: 'mail', field: 'email' }] },
    ],
  });
  t.same(mapForm, arrayForm);
  t.same(arrayForm.streams[0]?.constants, [
    { field: 'conversiontype', value: 'purchase' },
    { field: 'quantity', value: 1 },
    { field: 'test', value: true },
  ], 'numbers and booleans stay accepted in constants');
});

t.test('streams named like Object.prototype members load as plain data, in both forms', async (t) => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
  // JSON.parse makes "__proto__" an own key, as a config file would.
  const mapForm = parseConfig(JSON.parse(JSON.stringify({ ...BASE, streams: {} }).replace('"streams":{}', `"streams":{${names.map((name) => `"${name}":{"object":"event","columns":{"${name}":"clientEventId"}}`).join(',')}}`)));
  t.same(mapForm.streams.map((binding) => binding.stream), names);
  t.same(mapForm.streams.map((binding) => binding.columns[0]?.column), names);
  const arrayForm = parseConfig({ ...BASE, streams: names.map((stream) => ({ stream, object: 'event', columns: [{ column: stream, field: 'clientEventId' }] })) });
  t.same(arrayForm, mapForm);
  t.equal(({} as Record<string, unknown>).object, undefined, 'Object.prototype untouched');
});

t.test('defaults: unrouted streams fail the run; events without an eventType get event_type "conversion"', async (t) => {
  const config = parseConfig(BASE);
  t.equal(config.unrouted_streams, 'fail');
  t.equal(config.event_type, 'conversion');
  t.equal(parseConfig({ ...BASE, unrouted_streams: 'reject', event_type: 'signup' }).unrouted_streams, 'reject');
  t.match(configError({ ...BASE, event_type: '' }), /event_type: must not be empty/);
  t.match(configError({ ...BASE, event_type: 'x'.repeat(129) }), /event_type: must be at most 128 characters/);
});

t.test('a key that looks like a known one is a config error with "did you mean"', async (t) => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ dryRun: true }, /dryRun: unknown setting; did you mean "dry_run"\?/],
    [{ dryrun: true }, /dryrun: unknown setting; did you mean "dry_run"\?/],
    [{ 'dry-run': true }, /dry-run: unknown setting; did you mean "dry_run"\?/],
    [{ hash_pi: false }, /hash_pi: unknown setting; did you mean "hash_pii"\?/],
    [{ stream: { orders: { object: 'event' } } }, /stream: unknown setting; did you mean "streams"\?/],
    [{ rejected_record_path: '/tmp/x' }, /rejected_record_path: unknown setting; did you mean "rejected_records_path"\?/],
    [{ streams: { orders: { object: 'event', colums: { a: 'email' } } } }, /streams\."orders"\.colums: unknown setting; did you mean "columns"\?/],
    [{ streams: [{ stream: 'orders', objet: 'event' }] }, /streams\[0\]\.objet: unknown setting; did you mean "object"\?/],
    [{ streams: [{ stream: 'orders', object: 'event', columns: [{ column: 'a', feild: 'email' }] }] }, /streams\[0\]\.columns\[0\]\.feild: unknown setting; did you mean "field"\?/],
  ];
  for (const [extra, pattern] of cases) t.match(configError({ ...BASE, ...extra }), pattern, JSON.stringify(extra));
});

t.test('other unknown keys are ignored with a warning, top level and inside bindings', async (t) => {
  const warnings: string[] = [];
  const config = parseConfig({ ...BASE, comment: 'my config', streams: { orders: { object: 'event', note: 'x' } } }, { onWarning: (message) => warnings.push(message) });
  t.equal(config.streams.length, 1);
  t.same(warnings, ['Config comment: unknown setting, ignored', 'Config streams."orders".note: unknown setting, ignored']);
  t.notOk('comment' in config, 'not carried into the config');
});

t.test('validation messages are in the connector’s words, name the setting as written, and never quote a value', async (t) => {
  const secretValue = 987654321;
  const cases: [unknown, RegExp][] = [
    [{ account_id: 5 }, /^Invalid config: account_id: must be text \(got a whole number\)$/],
    [{ ...BASE, secret_key: secretValue }, /secret_key: must be text \(got a whole number\)/],
    [{ ...BASE, batch_size: 1.5 }, /batch_size: must be a whole number \(got a number with decimals\)/],
    [{ ...BASE, batch_size: 500 }, /batch_size: must be at most 100/],
    [{ ...BASE, concurrency: 0 }, /concurrency: must be at least 1/],
    [{ ...BASE, hash_pii: 'yes' }, /hash_pii: must be true or false \(got text\)/],
    [{ ...BASE, unrouted_streams: 'skip' }, /unrouted_streams: must be one of "fail", "reject"/],
    [{ public_key: 'rpub-x', secret_key: 'rsec-x' }, /account_id: is required/],
    [{ ...BASE, account_id: '' }, /account_id: must not be empty/],
    [{ ...BASE, streams: 'orders' }, /streams: must be a list \(got text\)/],
    [{ ...BASE, streams: { orders: { object: 'pigeon' } } }, /streams\."orders"\.object: must be one of "event", "audience"/],
    [{ ...BASE, streams: { orders: { object: 'event', columns: { a: 7 } } } }, /streams\."orders"\.columns\."a": must be text \(got a whole number\)/],
    [{ ...BASE, streams: { orders: { object: 'event', constants: { amount: null } } } }, /streams\."orders"\.constants\."amount": must be text, a number or true\/false \(got null\)/],
    [{ ...BASE, streams: { orders: { object: 'event', constants: { 'rokt.x': 1 } } } }, /streams\."orders"\.constants\."rokt\.x": names beginning with 'rokt\.' are reserved by Rokt/],
    [{ ...BASE, streams: [{ stream: 'orders', object: 'event', columns: [{ column: '', field: 'email' }] }] }, /streams\[0\]\.columns\[0\]\.column: must not be empty/],
    [[], /\(top level\): must be an object \(got a list\)/],
  ];
  for (const [raw, pattern] of cases) {
    const message = configError(raw);
    t.match(message, pattern, JSON.stringify(raw));
    t.notMatch(message, /Invalid input|expected \w+, received|Too (small|big)|Invalid option/, 'no validator phrasing');
  }
  t.notOk(configError({ ...BASE, secret_key: secretValue }).includes(String(secretValue)), 'the value is not quoted');
});

t.test('base URLs: https (or http to loopback), and no query string or fragment', async (t) => {
  const pattern = new RegExp(URL_PATTERN);
  const good = ['https://api.rokt.com', 'https://api.rokt.com/', 'https://api.stage.rokt.com/base/path', 'http://127.0.0.1:8080', 'http://localhost:1/x', 'http://[::1]:9'];
  const bad: [string, RegExp][] = [
    ['https://api.rokt.com?x=1', /query string/],
    ['https://api.rokt.com/v?debug', /query string/],
    ['https://api.rokt.com#frag', /fragment/],
    ['http://api.rokt.com', /must be an https:\/\/ URL/],
    ['ftp://api.rokt.com', /must be an https:\/\/ URL/],
    ['api.rokt.com', /not a valid URL/],
    ['https://api.rokt.com/a b', /not a valid URL/],
  ];
  for (const url of good) {
    t.equal(urlProblem(url), undefined, url);
    t.ok(pattern.test(url), `the published pattern accepts ${url}`);
  }
  for (const [url, reason] of bad) {
    t.match(urlProblem(url), reason, url);
    t.notOk(pattern.test(url), `the published pattern refuses ${url}`);
  }
  t.match(configError({ ...BASE, audience_api_url: 'https://data.rokt.com/?key=1' }), /audience_api_url: must not have a query string/);
});

t.test('a config file that is not JSON: line, column and kind, never its bytes', async (t) => {
  const dir = tempDir();
  const path = join(dir, 'c.json');
  writeFileSync(path, '{\n  "account_id": "1",\n  "secret_key": "rsec-TOP-SECRET" oops\n}');
  const error = await readJsonFile(path, 'config').catch((caught: unknown) => caught);
  t.ok(error instanceof ConfigError);
  t.match((error as Error).message, /^The config file .*c\.json is not valid JSON: line 3, column \d+: /);
  t.notMatch((error as Error).message, /TOP-SECRET|oops/);
  const folder = await readJsonFile(dir, 'config').catch((caught: unknown) => caught);
  t.match((folder as Error).message, /Cannot read the config file .*: it is a folder/);
});

t.test('output files are checked up front without creating anything', async (t) => {
  const dir = tempDir();
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'plain-file'), '');
  const config = parseConfig({
    ...BASE,
    rejected_records_path: join(dir, 'missing-folder', 'rejected.jsonl'),
    debug_log_path: join(dir, 'sub'),
    dry_run_output_path: join(dir, 'plain-file', 'out.jsonl'),
  });
  const problems = await outputPathProblems(config);
  t.equal(problems.length, 3);
  t.match(problems[0], /^rejected_records_path: cannot write .*rejected\.jsonl: its folder .*missing-folder does not exist$/);
  t.match(problems[1], /^debug_log_path: cannot write .*sub: it is a folder$/);
  t.match(problems[2], /^dry_run_output_path: cannot write .*plain-file\/out\.jsonl: a part of the path is not a folder$/);
  t.same(await outputPathProblems(parseConfig({ ...BASE, rejected_records_path: join(dir, 'new.jsonl'), debug_log_path: join(dir, 'plain-file') })), [], 'a new file in a writable folder, an existing writable file');
  if (process.getuid?.() !== 0) {
    // Permissions bind everyone but root.
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    t.match(await outputPathProblems(parseConfig({ ...BASE, rejected_records_path: join(locked, 'r.jsonl') })), [/cannot create files in .*locked \(permission denied\)/]);
  }
});

t.test('suggestName: case, separators and one slip (two for long names, a swap counts as one)', async (t) => {
  const known = ['dry_run', 'streams', 'hash_pii', 'column', 'field', 'rejected_records_path'];
  t.equal(suggestName('dryRun', known), 'dry_run');
  t.equal(suggestName('--DRY-RUN', known), 'dry_run');
  t.equal(suggestName('stream', known), 'streams');
  t.equal(suggestName('feild', known), 'field');
  t.equal(suggestName('rejcted_record_path', known), 'rejected_records_path');
  t.equal(suggestName('comment', known), undefined);
  t.equal(suggestName('debug', ['config', 'catalog', 'dry-run', 'help']), undefined, "the CDK's --debug is not a typo");
});
