import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatIssues } from '../config/load.js';
import type { StreamKey } from '../protocol/airbyte-input.js';
import { describeStream, StreamKeyMap } from './stream-key-map.js';

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

export function configuredStreamKey(stream: ConfiguredStream): StreamKey {
  return stream.stream.namespace ? { name: stream.stream.name, namespace: stream.stream.namespace } : { name: stream.stream.name };
}

/**
 * The catalog's streams by (namespace, name). A stream listed twice is refused: which entry should
 * win is a guess, and a wrong guess sends rows to the wrong object.
 */
export function configuredStreamsByKey(catalog: ConfiguredCatalog | undefined): StreamKeyMap<ConfiguredStream> {
  const streams = new StreamKeyMap<ConfiguredStream>();
  for (const stream of catalog?.streams ?? []) {
    const key = configuredStreamKey(stream);
    if (streams.has(key)) throw new ConfigError(`The configured catalog lists ${describeStream(key)} more than once; list each stream once`);
    streams.set(key, stream);
  }
  return streams;
}

/** The primary key as paths into the record (`[["id"], ["meta", "region"]]`); empty paths name nothing. */
export function primaryKeyPaths(stream: ConfiguredStream): string[][] {
  return (stream.primary_key ?? []).filter((path) => path.length > 0);
}
