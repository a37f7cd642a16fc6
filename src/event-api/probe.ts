import { legacyAccountId } from '../rokt/account.js';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { FatalApiError } from '../errors.js';
import { AuthExchangeError } from '../rokt/auth.js';
import { describeRokt } from '../rokt/describe.js';
import { probeProblem } from '../rokt/probe-answer.js';
import type { Sender } from '../rokt/sender.js';
import { createEventsTransport } from './client.js';
import type { EventAuth } from './credentials.js';

/**
 * The Event API has no auth-check, but every events request carries accountId. An empty one
 * passes authentication and the account check and is then refused for being empty (400), so it
 * verifies both without sending an event.
 */
export async function emptyEventsRequest(options: { auth: EventAuth; sender: Sender; config: Config }): Promise<string | undefined> {
  const transport = createEventsTransport({ auth: options.auth, sender: options.sender, apiUrl: options.config.api_url });
  const body = Buffer.from(JSON.stringify({ accountId: legacyAccountId(options.config), events: [] }));
  try {
    const response = await transport.send(body, randomUUID());
    return response.status === 400 ? undefined : probeProblem(response);
  } catch (error) {
    if (error instanceof AuthExchangeError) return `the OAuth token endpoint answered ${describeRokt(error.response)}`;
    if (error instanceof FatalApiError) return error.message;
    throw error;
  }
}
