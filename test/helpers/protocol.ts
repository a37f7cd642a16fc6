import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { Test } from 'tap';
import { ROOT } from './cli.js';

// A copy inside the repository (origin, version and license: test/fixtures/airbyte-protocol/README.md).
const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/airbyte-protocol/airbyte_protocol.schema.json'), 'utf8'));
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(schema, 'airbyte');
const validateMessage = ajv.compile({ $ref: 'airbyte#/definitions/AirbyteMessage' });
export const validateConfiguredCatalog = ajv.compile({ $ref: 'airbyte#/definitions/ConfiguredAirbyteCatalog' });

/** Every stdout line must be one valid Airbyte protocol message. */
export function assertAirbyteMessages(t: Test, lines: string[]): Record<string, any>[] {
  const messages: Record<string, any>[] = [];
  for (const line of lines) {
    let message: Record<string, any>;
    try {
      message = JSON.parse(line);
    } catch {
      t.fail(`stdout line is not JSON: ${line.slice(0, 200)}`);
      continue;
    }
    if (!validateMessage(message)) t.fail(`not a valid AirbyteMessage: ${ajv.errorsText(validateMessage.errors)}: ${line.slice(0, 300)}`);
    messages.push(message);
  }
  return messages;
}

export const ofType = (messages: Record<string, any>[], type: string) => messages.filter((message) => message.type === type);
