import { parseConfiguredCatalog } from '../catalog/configured-catalog.js';
import { Router } from '../catalog/routes.js';
import { loadConfig, readJsonFile } from '../config/load.js';
import { assertOutputPathsWritable } from '../config/output-paths.js';
import { airbyteSyncMessages, airbyteSyncOutput } from '../protocol/airbyte-sync.js';
import { readLineChunks } from '../protocol/lines.js';
import { runSync } from '../sync/run.js';
import { createWriters, secretsRedactor } from './connections.js';
import { flagValue, type CommandContext } from './context.js';

export async function runWrite({ flags, output, stdin }: CommandContext): Promise<void> {
  const warnings: string[] = [];
  const config = await loadConfig(flagValue(flags, 'config'), { dryRun: flags.has('dry-run'), onWarning: (message) => warnings.push(message) });
  output.setRedactor(secretsRedactor(config));
  for (const warning of warnings) await output.log('WARN', warning);
  // Before any input is read: a file that fails only after data was sent would make every re-run send it again.
  await assertOutputPathsWritable(config);
  const catalogPath = flagValue(flags, 'catalog');
  const catalog = catalogPath ? parseConfiguredCatalog(await readJsonFile(catalogPath, 'catalog')) : undefined;
  const router = new Router(config, catalog);
  const counts = { invalidLines: 0, ignored: new Map<string, number>() };
  const stop = new AbortController();
  const messages = airbyteSyncMessages(readLineChunks(stdin, { signal: stop.signal }), { output, counts });
  await runSync({ config, router, messages, output: airbyteSyncOutput(output), stopInput: () => stop.abort(), inputCounts: counts, createWriters: (objects, log) => createWriters({ config, objects, log }) });
}
