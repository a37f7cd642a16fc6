import type { Config } from '../config/schema.js';

export type AudienceAuth = { version: 'v3'; publicKey: string; secretKey: string } | { version: '1.0'; apiKey: string };

/** v3 with the key pair, else the legacy 1.0 API with `api_key`. */
export function audienceAuth(config: Config): AudienceAuth | undefined {
  if (config.public_key && config.secret_key) return { version: 'v3', publicKey: config.public_key, secretKey: config.secret_key };
  if (config.api_key) return { version: '1.0', apiKey: config.api_key };
  return undefined;
}
