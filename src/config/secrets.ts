import { connectionSpecification, type Config } from './schema.js';

let secretNames: string[] | undefined;

/** The names of config properties marked `airbyte_secret` in the spec: one source of truth. */
export function secretPropertyNames(): string[] {
  if (!secretNames) {
    const properties = (connectionSpecification().properties ?? {}) as Record<string, { airbyte_secret?: boolean }>;
    secretNames = Object.entries(properties)
      .filter(([, schema]) => schema.airbyte_secret === true)
      .map(([name]) => name);
  }
  return secretNames;
}

/**
 * Secret values of this config, plus the forms derived from them that could be printed (each API
 * family declares its own, e.g. a Basic header's base64).
 */
export function configSecrets(config: Config, families: readonly { derivedSecrets(config: Config): string[] }[]): string[] {
  const values = secretPropertyNames().map((name) => (config as Record<string, unknown>)[name]).filter((value): value is string => typeof value === 'string');
  return [...values, ...families.flatMap((family) => family.derivedSecrets(config))];
}
