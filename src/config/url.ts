/**
 * The rule for the Rokt base URLs (`api_url`, `audience_api_url`): https anywhere, plain http only
 * to a loopback host (local testing and the simulator), and nothing after the path — the
 * connector appends API paths, so a `?query` or `#fragment` would produce wrong endpoints.
 */

/** The same rule as a JSON Schema pattern, printed in the spec for Airbyte's form. */
export const URL_PATTERN = '^(https://[^\\s/?#]+|http://(127\\.[0-9.]+|localhost|\\[::1\\])(:[0-9]+)?)(/[^\\s?#]*)?$';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.[0-9.]+$/.test(hostname);
}

/** Why `value` cannot be a Rokt base URL, in the connector's words, or undefined when it can. */
export function urlProblem(value: string): string | undefined {
  if (/\s/.test(value) || !URL.canParse(value)) return 'is not a valid URL (expected e.g. https://api.rokt.com)';
  const url = new URL(value);
  const plainLoopback = url.protocol === 'http:' && isLoopback(url.hostname);
  if (url.protocol !== 'https:' && !plainLoopback) return 'must be an https:// URL (plain http is allowed only for 127.0.0.1, localhost or [::1])';
  if (value.includes('?') || value.includes('#')) return 'must not have a query string (?…) or fragment (#…): the connector appends the API paths to it';
  if (!new RegExp(URL_PATTERN).test(value)) return 'must be https://host[:port][/path]';
  return undefined;
}
