import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ROOT } from './helpers/cli.js';

t.test('the Meltano plugin definition lists exactly the spec’s settings, secrets as sensitive', async (t) => {
  const yaml = readFileSync(join(ROOT, 'meltano/meltano.yml'), 'utf8');
  const spec = JSON.parse(readFileSync(join(ROOT, 'spec.json'), 'utf8')).connectionSpecification.properties as Record<string, { airbyte_secret?: boolean }>;
  const settingsBlock = yaml.slice(yaml.indexOf('      settings:\n'), yaml.lastIndexOf('      config:\n'));
  const settings = settingsBlock.split('        - name: ').slice(1).map((block) => ({ name: block.split('\n')[0]?.trim() ?? '', sensitive: /sensitive: true/.test(block) }));
  t.same(settings.map((s) => s.name).sort(), Object.keys(spec).sort());
  for (const setting of settings) t.equal(setting.sensitive, spec[setting.name]?.airbyte_secret === true, `${setting.name}: sensitive matches airbyte_secret`);
  t.match(yaml, /namespace: target_rokt/);
  t.match(yaml, /executable: target-rokt/);
});
