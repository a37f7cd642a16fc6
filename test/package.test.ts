// What `npm pack` would publish: the bundles, their third-party licenses, the project LICENSE and
// the docs, and nothing a user does not run (no source maps, sources or tests).
// `npm pack --dry-run` reads only this folder: no registry is asked.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { ROOT } from './helpers/cli.js';

/** The npm that ships with this node, else whatever npm is on PATH. */
const NPM = existsSync(join(dirname(process.execPath), 'npm')) ? join(dirname(process.execPath), 'npm') : 'npm';

function packedFiles(): string[] {
  const pack = spawnSync(NPM, ['pack', '--dry-run', '--json', '--offline', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NPM_CONFIG_UPDATE_NOTIFIER: 'false', NPM_CONFIG_FUND: 'false', NPM_CONFIG_AUDIT: 'false' },
  });
  if (pack.status !== 0) throw new Error(`npm pack --dry-run failed (exit ${pack.status}): ${pack.stderr}`);
  const [packed] = JSON.parse(pack.stdout) as { files: { path: string }[] }[];
  return (packed?.files ?? []).map((file) => file.path);
}

t.test('npm pack ships the bundles, their licenses, LICENSE and the docs, without maps, sources or tests', async (t) => {
  const files = packedFiles();
  for (const expected of ['LICENSE', 'README.md', 'package.json', 'spec.json', 'dist/bin/destination-rokt.mjs', 'dist/bin/target-rokt.mjs', 'dist/bin/THIRD_PARTY_LICENSES.md']) {
    t.ok(files.includes(expected), `${expected} is packed`);
  }
  t.same(files.filter((file) => file.endsWith('.map')), [], 'no source maps');
  t.same(files.filter((file) => /^(src|test|bench|scripts)\//.test(file) || file.startsWith('dist/src/') || file.startsWith('dist/test/')), [], 'no sources, tests or build scripts');
});

t.test('the packed bundles point at no source map the package leaves out', async (t) => {
  for (const bundle of ['dist/bin/destination-rokt.mjs', 'dist/bin/target-rokt.mjs']) {
    t.notMatch(readFileSync(join(ROOT, bundle), 'utf8'), /sourceMappingURL=/, `${bundle} has no sourceMappingURL`);
  }
});

t.test('LICENSE is the MIT license package.json names', async (t) => {
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  t.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license, 'MIT');
  t.match(license, /^MIT License\n\nCopyright \(c\) \d{4} destination-rokt contributors\n/);
  t.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});
