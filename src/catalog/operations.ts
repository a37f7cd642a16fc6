import type { DestinationOperation, RoktObject } from '../sync/family.js';
import { AUDIENCE_FIELDS, CORE_EVENT_FIELDS, EVENT_FIELDS } from '../rules/fields.js';

/** The Rokt objects `write` can route to, as named in the destination catalog. */
export const EVENT_OBJECT: RoktObject = 'event';
export const AUDIENCE_OBJECT: RoktObject = 'audience';

const str = (description: string) => ({ type: ['string', 'null'], description });
const strOrNumber = (description: string) => ({ type: ['string', 'number', 'integer', 'null'], description });

function eventSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    clientEventId: { type: ['string', 'integer'], description: CORE_EVENT_FIELDS.clientEventId, maxLength: 36 },
    eventType: { type: 'string', description: CORE_EVENT_FIELDS.eventType, maxLength: 128 },
    eventTime: strOrNumber(CORE_EVENT_FIELDS.eventTime),
  };
  for (const field of EVENT_FIELDS) properties[field.name] = strOrNumber(field.description);
  return {
    type: 'object',
    description:
      'A Rokt event. Fields other than these are sent as custom attributes (objectData); a field named `metadata.<name>` is sent as a metaData entry. Names beginning with `rokt.` are reserved.',
    // Data activation refuses a connection unless every required field is mapped from a source
    // column, and it cannot map a constant: eventType falls back to the config's `event_type`.
    required: ['clientEventId'],
    additionalProperties: true,
    properties,
  };
}

function audienceSchema(): Record<string, unknown> {
  return {
    type: 'object',
    description: 'A member of a Rokt custom audience, identified by email or its SHA-256 hash.',
    additionalProperties: false,
    properties: {
      email: str(AUDIENCE_FIELDS.email),
      emailsha256: { ...str(AUDIENCE_FIELDS.emailsha256), pattern: '^[0-9a-fA-F]{64}$' },
      list: str(AUDIENCE_FIELDS.list),
      // Mapped from a CDC source, a set deletion marker removes the person (see mirror_deletes).
      _ab_cdc_deleted_at: str('Set (not null) when the source deleted the row (Airbyte CDC): the person is removed from the audience, whatever the sync mode.'),
    },
  };
}

/** The operations of one object, as every API family that writes it starts from. */
export function objectOperations(object: RoktObject): DestinationOperation[] {
  return destinationOperations().filter((operation) => operation.object_name === object);
}

/** Every object's operations: one per (object, sync mode). */
export function destinationOperations(): DestinationOperation[] {
  const audience = audienceSchema();
  const matchingKeys = [['email'], ['emailsha256']];
  return [
    { object_name: EVENT_OBJECT, sync_mode: 'append', json_schema: eventSchema() },
    { object_name: AUDIENCE_OBJECT, sync_mode: 'append', json_schema: audience, matching_keys: matchingKeys },
    { object_name: AUDIENCE_OBJECT, sync_mode: 'soft_delete', json_schema: audience, matching_keys: matchingKeys },
  ];
}
