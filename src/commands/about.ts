import { readFileSync } from 'node:fs';
import { connectionSpecification } from '../config/schema.js';

export const TARGET_NAME = 'target-rokt';
export const DESCRIPTION = 'Singer target for Rokt: rows become Rokt events (Event API) or custom audience members (Audience API).';
/**
 * What Meltano's meltano.yml schema lets a loader declare (its enum has no `validate-records`; record
 * validation is the `validate_records` setting). meltano/meltano.yml lists the same.
 */
export const CAPABILITIES = ['about', 'batch'];
export const ENV_PREFIX = 'TARGET_ROKT';

/** The version in the nearest package.json above this file (dist/src/commands/ or the dist/bin/ bundle). */
export function packageVersion(): string {
  for (let folder = new URL('./', import.meta.url); ; folder = new URL('../', folder)) {
    try {
      return (JSON.parse(readFileSync(new URL('package.json', folder), 'utf8')) as { version: string }).version;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || folder.pathname === '/') throw error;
    }
  }
}

type Setting = { type?: string | string[]; description?: string; default?: unknown; airbyte_secret?: boolean };

function settings(): { properties: Record<string, Setting>; required: string[] } {
  const spec = connectionSpecification() as { properties: Record<string, Setting>; required?: string[] };
  return { properties: spec.properties, required: spec.required ?? [] };
}

/** `--about` in the Meltano SDK's three formats. */
export function about(format: string | undefined): string {
  const version = packageVersion();
  const { properties, required } = settings();
  const spec = connectionSpecification();
  switch ((format ?? 'text').toLowerCase()) {
    case 'json':
      return JSON.stringify({ name: TARGET_NAME, description: DESCRIPTION, version, capabilities: CAPABILITIES, settings: spec }, null, 2);
    case 'markdown': {
      const rows = Object.entries(properties).map(
        ([name, setting]) => `| ${name} | ${required.includes(name) ? 'True' : 'False'} | ${setting.default === undefined ? 'None' : JSON.stringify(setting.default)} | ${(setting.description ?? '').replaceAll('|', '\\|').replaceAll('\n', ' ')} |`,
      );
      return [
        `# \`${TARGET_NAME}\``,
        '',
        DESCRIPTION,
        '',
        '## Capabilities',
        '',
        ...CAPABILITIES.map((capability) => `* \`${capability}\``),
        '',
        '## Settings',
        '',
        '| Setting | Required | Default | Description |',
        '|:--------|:--------:|:-------:|:------------|',
        ...rows,
        '',
        `A full list of supported settings and capabilities is available by running: \`${TARGET_NAME} --about\``,
      ].join('\n');
    }
    default:
      return [
        `Name: ${TARGET_NAME}`,
        `Description: ${DESCRIPTION}`,
        `Version: ${version}`,
        'Capabilities:',
        ...CAPABILITIES.map((capability) => `  - ${capability}`),
        'Settings:',
        ...Object.entries(properties).map(([name, setting]) => `  - Name: ${name}\n    Type: ${[setting.type ?? 'string'].flat().join(', ')}\n    Environment Variable: ${ENV_PREFIX}_${name.toUpperCase()}`),
      ].join('\n');
  }
}
