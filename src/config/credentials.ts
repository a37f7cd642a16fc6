import type { Config } from './schema.js';

export type EventAuth = { version: 'v1'; appId: string; appSecret: string } | { version: 'v2'; publicKey: string; secretKey: string };
export type AudienceAuth = { version: 'v3'; publicKey: string; secretKey: string } | { version: '1.0'; apiKey: string };

export interface ResolvedCredentials {
  events?: EventAuth;
  audiences?: AudienceAuth;
  /** Human sentences saying which credential set won where two were configured. */
  notes: string[];
}

/**
 * Picks one credential set per API. Events prefer v1 when `app_id`/`app_secret` are set: a user
 * who also has a public/secret key pair usually has it for audiences (v3), and v1 brings
 * Idempotency-Key de-duplication of retried requests.
 */
export function resolveCredentials(config: Config): ResolvedCredentials {
  const notes: string[] = [];
  const v1 = config.app_id && config.app_secret ? ({ version: 'v1', appId: config.app_id, appSecret: config.app_secret } as const) : undefined;
  const keyPair = config.public_key && config.secret_key ? { publicKey: config.public_key, secretKey: config.secret_key } : undefined;
  const events: EventAuth | undefined = v1 ?? (keyPair ? { version: 'v2', ...keyPair } : undefined);
  if (v1 && keyPair) notes.push('Events use Event API v1 (app_id/app_secret); the public/secret key pair is used for audiences (v3).');
  const audiences: AudienceAuth | undefined = keyPair
    ? { version: 'v3', ...keyPair }
    : config.api_key
      ? { version: '1.0', apiKey: config.api_key }
      : undefined;
  if (keyPair && config.api_key) notes.push('Audiences use Audience API v3 (public/secret key); the legacy api_key is not used.');
  return { events, audiences, notes };
}
