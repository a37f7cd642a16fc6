import { AUDIENCE_FIELDS, CORE_EVENT_FIELDS, EVENT_FIELDS } from './fields.js';

/** The Rokt objects `write` can route to, as named in the destination catalog. */
export const EVENT_OBJECT = 'event';
export const AUDIENCE_OBJECT = 'audience';

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
    },
  };
}

/** What `discover` publishes: one operation per (object, sync mode). */
export function destinationOperations(): Record<string, unknown>[] {
  const audience = audienceSchema();
  const matchingKeys = [['email'], ['emailsha256']];
  return [
    { object_name: EVENT_OBJECT, sync_mode: 'append', json_schema: eventSchema() },
    { object_name: AUDIENCE_OBJECT, sync_mode: 'append', json_schema: audience, matching_keys: matchingKeys },
    { object_name: AUDIENCE_OBJECT, sync_mode: 'soft_delete', json_schema: audience, matching_keys: matchingKeys },
  ];
}
