import { connectionSpecification } from '../config/schema.js';
import type { CommandContext } from './context.js';

export const DOCUMENTATION_URL = 'https://github.com/rokt-destination/destination-rokt#readme';

export function specification(): Record<string, unknown> {
  return {
    documentationUrl: DOCUMENTATION_URL,
    connectionSpecification: connectionSpecification(),
    supportsIncremental: true,
    supportsNormalization: false,
    supportsDBT: false,
    supported_destination_sync_modes: ['append', 'soft_delete'],
  };
}

export async function runSpec({ output }: CommandContext): Promise<void> {
  await output.message({ type: 'SPEC', spec: specification() });
}
