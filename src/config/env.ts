import { connectionSpecification } from './schema.js';

type PropertySchema = { type?: string | string[] };

function cast(raw: string, schema: PropertySchema): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'boolean':
      return ['true', '1', 'yes', 'on'].includes(raw.trim().toLowerCase());
    case 'integer':
    case 'number':
      return Number(raw);
    case 'object':
    case 'array':
      try {
        return JSON.parse(raw);
      } catch {
        return raw; // validation then names the setting
      }
    default:
      return raw;
  }
}

/**
 * Meltano exports settings as `<PLUGIN>_<SETTING>` variables (e.g. TARGET_ROKT_SECRET_KEY). Values
 * from the config file come first; a variable only fills a setting the file does not set.
 */
export function withEnvironment(config: Record<string, unknown>, options: { prefix: string; env: NodeJS.ProcessEnv }): Record<string, unknown> {
  const properties = (connectionSpecification().properties ?? {}) as Record<string, PropertySchema>;
  const merged = { ...config };
  for (const [name, schema] of Object.entries(properties)) {
    const raw = options.env[`${options.prefix}_${name.toUpperCase()}`];
    if (raw !== undefined && merged[name] === undefined) merged[name] = cast(raw, schema);
  }
  return merged;
}
