import type { ApiResponse } from './http.js';
import { describeRokt } from './describe.js';

/** What `check` says of an answer to a probe: undefined when Rokt accepted, else the problem in words. */
export function probeProblem(response: ApiResponse): string | undefined {
  if (response.status >= 200 && response.status < 300) return undefined;
  const answer = `Rokt answered ${describeRokt(response)}`;
  return response.status === 403 ? `${answer}: these credentials may not be used with this account_id, or not with this API` : answer;
}
