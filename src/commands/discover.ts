import { destinationOperations } from '../catalog/operations.js';
import { loadConfig } from '../config/load.js';
import { flagValue, type CommandContext } from './context.js';

export async function runDiscover({ flags, output }: CommandContext): Promise<void> {
  // The catalog is static, but a broken config should still be reported here, as on every command.
  const warnings: string[] = [];
  await loadConfig(flagValue(flags, 'config'), { onWarning: (message) => warnings.push(message) });
  for (const warning of warnings) await output.log('WARN', warning);
  await output.message({ type: 'DESTINATION_CATALOG', destination_catalog: { operations: destinationOperations() } });
}
