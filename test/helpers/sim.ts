import { RoktSimulator, type SimulatorOptions } from '../../src/simulator/server.js';

export async function startSimulator(t: { teardown: (fn: () => unknown) => void }, options: SimulatorOptions = {}): Promise<RoktSimulator> {
  const sim = new RoktSimulator(options);
  await sim.start();
  t.teardown(() => sim.stop());
  return sim;
}

type Credentials = 'v1' | 'v2' | 'v3' | '1.0';

/** A config pointing both APIs at the simulator, with the chosen credential sets and fast retries. */
export function simConfig(sim: RoktSimulator, credentials: Credentials[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const c = sim.credentials;
  const config: Record<string, unknown> = { account_id: c.accountId, api_url: sim.url, audience_api_url: sim.url, retry_base_delay_ms: 1, retry_max_seconds: 30 };
  if (credentials.includes('v1')) Object.assign(config, { app_id: c.appId, app_secret: c.appSecret });
  if (credentials.includes('v2') || credentials.includes('v3')) Object.assign(config, { public_key: c.publicKey, secret_key: c.secretKey });
  if (credentials.includes('1.0')) config.api_key = c.apiKey;
  return { ...config, ...overrides };
}

export const record = (stream: string, data: Record<string, unknown>) => ({ type: 'RECORD', record: { stream, data, emitted_at: 1764000000000 } });
export const streamState = (stream: string, cursor: unknown) => ({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: { cursor } } } });
export const globalState = (cursor: unknown) => ({ type: 'STATE', state: { type: 'GLOBAL', global: { shared_state: { cursor }, stream_states: [] } } });

export function configuredStream(name: string, object: string | undefined, syncMode = 'append', extra: Record<string, unknown> = {}) {
  return {
    stream: { name, json_schema: { type: 'object', properties: {} }, supported_sync_modes: ['full_refresh', 'incremental'] },
    sync_mode: 'incremental',
    destination_sync_mode: syncMode,
    ...(object ? { destination_object_name: object } : {}),
    ...extra,
  };
}
