/**
 * The Rokt API families, in order of preference: for each object, the first family whose
 * credentials the config sets sends it. To add a family, add its folder and one line here.
 */
import { audienceApiFamily } from './audience-api/index.js';
import type { Config } from './config/schema.js';
import { ConfigError } from './errors.js';
import { eventApiFamily } from './event-api/index.js';
import { mparticleFamily } from './mparticle/index.js';
import type { ApiFamily, DestinationOperation, RoktObject } from './sync/family.js';

export const FAMILIES: readonly ApiFamily[] = [mparticleFamily, eventApiFamily, audienceApiFamily];

const OBJECTS: readonly RoktObject[] = ['event', 'audience'];

/**
 * The family that sends `object` for this config. A dry run needs no credentials: it then shows the
 * requests of the last family listed for the object (the legacy APIs, as before).
 */
export function familyFor(config: Config, object: RoktObject): ApiFamily | undefined {
  const offering = FAMILIES.filter((family) => family.objects.includes(object));
  return offering.find((family) => family.handles(config, object)) ?? (config.dry_run ? offering[offering.length - 1] : undefined);
}

/** Like familyFor, but a routed object nobody can send is a config error naming what to set. */
export function requireFamily(config: Config, object: RoktObject): ApiFamily {
  const family = familyFor(config, object);
  if (family) return family;
  const hints = FAMILIES.filter((candidate) => candidate.objects.includes(object)).map((candidate) => candidate.credentialHint(object));
  throw new ConfigError(`Streams send ${object === 'event' ? 'events' : 'audience changes'}, but no credentials for them are configured: set ${hints.join(', or ')}`);
}

/** What `discover` publishes: each object as the family that would send it offers it. */
export function destinationOperations(config: Config): DestinationOperation[] {
  return OBJECTS.flatMap((object) => (familyFor(config, object) ?? FAMILIES.find((family) => family.objects.includes(object)))?.operations(object) ?? []);
}
