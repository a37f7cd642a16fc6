/**
 * `check` for the Event and Audience API. It has no auth-check endpoint; the API checks the
 * Authorization header before it reads the body (401/403 come back with empty bodies), so a request
 * with an empty array of batches tells good credentials from bad without writing anything. What the
 * API answers an empty array with credentials it accepts is not documented: 202 or 400 both mean
 * the key and secret passed.
 */
import type { Config } from '../config/schema.js';
import { describeRokt } from '../rokt/describe.js';
import type { ApiResponse } from '../rokt/http.js';
import type { Sender } from '../rokt/sender.js';
import { bulkEventsClient } from './client.js';

export const PROBE_CREDENTIAL = 'mparticle_api_key/mparticle_api_secret (Event and Audience API: an empty bulkevents request, which writes nothing)';

/** What check says of the answer: undefined when the key and secret passed, else the problem. */
export function probeAnswerProblem(response: ApiResponse, config: Config): string | undefined {
  const { status } = response;
  if ((status >= 200 && status < 300) || status === 400) return undefined;
  const answer = `the API at ${config.mparticle_url} answered ${describeRokt(response)}`;
  if (status === 401 || status === 403) {
    return `${answer}: the key and secret were refused (a key works only on the pod it was issued for, e.g. https://s2s.us2.mparticle.com: check mparticle_url too)`;
  }
  if (status === 404) return `${answer}: no /v2/bulkevents there; check mparticle_url (the base before /v2/bulkevents)`;
  if (status === 429) return `${answer} (rate limited): the credentials could not be checked; try again shortly`;
  return answer;
}

export async function emptyBulkRequest(options: { config: Config; sender: Sender }): Promise<string | undefined> {
  const response = await bulkEventsClient(options).send('[]');
  return probeAnswerProblem(response, options.config);
}
