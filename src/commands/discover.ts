import { loadConfig } from '../config/load.js';
import { destinationOperations } from '../families.js';
import { flagValue, type CommandContext } from './context.js';

export async function runDiscover({ flags, output }: CommandContext): Promise<void> {
  // A broken config is reported here too, as on every command; the objects are offered as the
  // API family that would send them describes them.
  const warnings: string[] = [];
  const config = await loadConfig(flagValue(flags, 'config'), { onWarning: (message) => warnings.push(message) });
  for (const warning of warnings) await output.log('WARN', warning);
  await output.message({ type: 'DESTINATION_CATALOG', destination_catalog: { operations: destinationOperations(config) } });
}
