import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatIssues } from '../config/load.js';
import type { StreamKey } from '../protocol/airbyte-input.js';

const configuredStreamSchema = z.looseObject({
  stream: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().nullish(),
    json_schema: z.record(z.string(), z.unknown()).optional(),
  }),
  destination_sync_mode: z.string().optional(),
  destination_object_name: z.string().nullish(),
  primary_key: z.array(z.array(z.string())).nullish(),
});

export const configuredCatalogSchema = z.looseObject({ streams: z.array(configuredStreamSchema) });

export type ConfiguredStream = z.output<typeof configuredStreamSchema>;
export type ConfiguredCatalog = z.output<typeof configuredCatalogSchema>;

export function parseConfiguredCatalog(raw: unknown): ConfiguredCatalog {
  const result = configuredCatalogSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(`Invalid configured catalog: ${formatIssues(result.error)}`);
  return result.data;
}

/** Streams are matched on (namespace, name), as the protocol says. */
export function streamId(key: StreamKey): string {
  return key.namespace ? `${key.namespace}.${key.name}` : key.name;
}

export function configuredStreamKey(stream: ConfiguredStream): StreamKey {
  return stream.stream.namespace ? { name: stream.stream.name, namespace: stream.stream.namespace } : { name: stream.stream.name };
}

/** The primary key as top-level column names; nested paths cannot name a column. */
export function flatPrimaryKey(stream: ConfiguredStream): string[] {
  return (stream.primary_key ?? []).filter((path) => path.length === 1).map((path) => path[0] as string);
}
