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

/** Secret values of this config, plus derived forms that could be printed (Basic auth headers). */
export function configSecrets(config: Config): string[] {
  const values = secretPropertyNames().map((name) => (config as Record<string, unknown>)[name]).filter((value): value is string => typeof value === 'string');
  const basic = (user?: string, password?: string) => (user && password ? [Buffer.from(`${user}:${password}`).toString('base64')] : []);
  return [...values, ...basic(config.public_key, config.secret_key), ...basic(config.app_id, config.app_secret)];
}
