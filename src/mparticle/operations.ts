/**
 * What `discover` publishes when this API sends an object: the same operations and field names as
 * for the legacy APIs; an audience row may also carry the person's other identities.
 */
import { EVENT_FIELDS_BY_LOWER_NAME } from '../rules/fields.js';
import { objectOperations } from '../catalog/operations.js';
import type { DestinationOperation, RoktObject } from '../sync/family.js';
import { AUDIENCE_EXTRA_IDENTITIES } from './placement.js';

function withExtraIdentities(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = { ...(schema.properties as Record<string, unknown>) };
  for (const name of AUDIENCE_EXTRA_IDENTITIES) {
    properties[name] = { type: ['string', 'null'], description: EVENT_FIELDS_BY_LOWER_NAME.get(name)?.description ?? name };
  }
  return {
    ...schema,
    description: 'A member of a Rokt custom audience, identified by email or its SHA-256 hash; the Event and Audience API also sends the customer id and device ids given.',
    properties,
  };
}

export function mparticleOperations(object: RoktObject): DestinationOperation[] {
  const operations = objectOperations(object);
  return object === 'audience' ? operations.map((operation) => ({ ...operation, json_schema: withExtraIdentities(operation.json_schema) })) : operations;
}
