/**
 * The rule for `mparticle_url`, the base of Rokt's Event and Audience API (mParticle's
 * server-to-server API): the general base-URL rule, and a host under mparticle.com (the pods
 * `s2s.us2.mparticle.com`, `s2s.eu1.mparticle.com`…, the partner host `inbound.mparticle.com`), or
 * a loopback host for local testing. The key and secret go to this host in every request, so a
 * typo must not send them anywhere else.
 */
import { urlProblem } from './url.js';

export const MPARTICLE_DEFAULT_URL = 'https://s2s.us2.mparticle.com';

/** The same rule as a JSON Schema pattern, printed in the spec for Airbyte's form. */
export const MPARTICLE_URL_PATTERN = '^(https://([A-Za-z0-9-]+\\.)*[mM][pP][aA][rR][tT][iI][cC][lL][eE]\\.[cC][oO][mM](:[0-9]+)?|https?://(127\\.[0-9.]+|localhost|\\[::1\\])(:[0-9]+)?)(/[^\\s?#]*)?$';

const LOOPBACK = /^(127\.[0-9.]+|localhost|\[::1\])$/;

/** Why `value` cannot be the mParticle base URL, or undefined when it can. */
export function mparticleUrlProblem(value: string): string | undefined {
  const general = urlProblem(value);
  if (general) return general.replace('https://api.rokt.com', MPARTICLE_DEFAULT_URL);
  const host = new URL(value).hostname.toLowerCase();
  if (LOOPBACK.test(host)) return undefined;
  if (host === 'mparticle.com' || host.endsWith('.mparticle.com')) return undefined;
  return `must be an https:// URL on an mparticle.com host (e.g. ${MPARTICLE_DEFAULT_URL}): the key and secret are sent to it`;
}
