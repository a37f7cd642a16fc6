/** The Event and Audience API settings: credentials in pairs, account_id only where a legacy API is used, the URL rule. */
import t from 'tap';
import { parseConfig } from '../src/config/load.js';
import { MPARTICLE_URL_PATTERN, mparticleUrlProblem } from '../src/config/mparticle-url.js';
import { connectionSpecification, usesMparticleApi } from '../src/config/schema.js';
import { secretPropertyNames } from '../src/config/secrets.js';

const KEYS = { mparticle_api_key: 'us2-key-1', mparticle_api_secret: 'secret-1' };
const problem = (config: Record<string, unknown>) => {
  try {
    parseConfig(config);
    return 'valid';
  } catch (error) {
    return (error as Error).message;
  }
};

t.test('the key and secret alone make a valid config, with the documented defaults', async (t) => {
  const config = parseConfig(KEYS);
  t.equal(config.account_id, undefined);
  t.equal(config.mparticle_url, 'https://s2s.us2.mparticle.com');
  t.equal(config.mparticle_environment, 'production');
  t.equal(config.rokt_api, 'auto');
  t.ok(usesMparticleApi(config));
  t.same(secretPropertyNames().filter((name) => name.startsWith('mparticle')), ['mparticle_api_key', 'mparticle_api_secret'], 'both are airbyte_secret');
  t.equal(connectionSpecification().required, undefined, 'nothing is required in the form: which settings are depends on the path');
});

t.test('account_id is required exactly where a legacy API is used', async (t) => {
  t.match(problem({ public_key: 'rpub-x', secret_key: 'rsec-x' }), /account_id: is required for the legacy Event and Audience APIs \(or set mparticle_api_key and mparticle_api_secret/);
  t.match(problem({ ...KEYS, rokt_api: 'legacy', public_key: 'rpub-x', secret_key: 'rsec-x' }), /account_id: is required: rokt_api is "legacy"/);
  t.equal(problem({ rokt_api: 'mparticle', dry_run: true }), 'valid', 'forced to this API, which needs no account');
  t.equal(problem({ ...KEYS, public_key: 'rpub-x', secret_key: 'rsec-x' }), 'valid', 'auto with both: this API, no account needed');
  t.equal(problem({ account_id: '1', api_key: 'k-1' }), 'valid');
});

t.test('the key and secret go together, without spaces; messages never quote them', async (t) => {
  t.match(problem({ mparticle_api_key: 'k-1', account_id: '1' }), /mparticle_api_secret: is required with mparticle_api_key/);
  t.match(problem({ mparticle_api_secret: 's-1', account_id: '1' }), /mparticle_api_key: is required with mparticle_api_secret/);
  const spaced = problem({ ...KEYS, mparticle_api_secret: 'top secret value' });
  t.match(spaced, /mparticle_api_secret: must not contain spaces/);
  t.notOk(spaced.includes('top secret'));
  t.match(problem({ ...KEYS, mparticle_environment: 'staging' }), /mparticle_environment: must be one of "production", "development"/);
  t.match(problem({ ...KEYS, rokt_api: 'v3' }), /rokt_api: must be one of "auto", "mparticle", "legacy"/);
  t.match(problem({ ...KEYS, mparticle_apikey: 'x' }), /mparticle_apikey: unknown setting; did you mean "mparticle_api_key"\?/);
});

t.test('mparticle_url: https on an mparticle.com host, or loopback; the published pattern agrees', async (t) => {
  const good = ['https://s2s.us2.mparticle.com', 'https://s2s.mparticle.com', 'https://S2S.EU1.mParticle.com/', 'https://inbound.mparticle.com/s2s', 'https://s2s.au1.mparticle.com:443', 'http://127.0.0.1:8080', 'http://localhost:9000/base', 'https://[::1]:8443'];
  const bad = ['https://evil.example.com', 'https://mparticle.com.evil.example', 'https://evilmparticle.com', 'http://s2s.us2.mparticle.com', 'https://s2s.us2.mparticle.com?x=1', 'https://s2s.us2.mparticle.com#x', 'ftp://s2s.us2.mparticle.com', 'not a url'];
  for (const url of good) t.equal(mparticleUrlProblem(url), undefined, url);
  for (const url of bad) t.type(mparticleUrlProblem(url), 'string', url);
  const pattern = new RegExp(MPARTICLE_URL_PATTERN);
  for (const url of [...good, ...bad]) t.equal(pattern.test(url), mparticleUrlProblem(url) === undefined, `pattern and rule agree on ${url}`);
  t.match(problem({ ...KEYS, mparticle_url: 'https://evil.example.com' }), /mparticle_url: must be an https:\/\/ URL on an mparticle\.com host \(e\.g\. https:\/\/s2s\.us2\.mparticle\.com\): the key and secret are sent to it/);
  t.match(problem({ ...KEYS, mparticle_url: 'nope' }), /mparticle_url: is not a valid URL \(expected e\.g\. https:\/\/s2s\.us2\.mparticle\.com\)/);
});
