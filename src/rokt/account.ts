import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';

/** The legacy Event and Audience APIs take the account ID; the config schema requires it whenever they are used. */
export function legacyAccountId(config: Config): string {
  if (config.account_id === undefined) throw new ConfigError('account_id is required for the legacy Event and Audience APIs');
  return config.account_id;
}
