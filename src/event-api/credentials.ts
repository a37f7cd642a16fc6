import type { Config } from '../config/schema.js';

export type EventAuth = { version: 'v1'; appId: string; appSecret: string } | { version: 'v2'; publicKey: string; secretKey: string };

/**
 * The Event API credential set a config gives. v1 wins when `app_id`/`app_secret` are set: a user who
 * also has a public/secret key pair usually has it for audiences (v3), and v1 brings Idempotency-Key
 * de-duplication of retried requests.
 */
export function eventAuth(config: Config): EventAuth | undefined {
  if (config.app_id && config.app_secret) return { version: 'v1', appId: config.app_id, appSecret: config.app_secret };
  if (config.public_key && config.secret_key) return { version: 'v2', publicKey: config.public_key, secretKey: config.secret_key };
  return undefined;
}
