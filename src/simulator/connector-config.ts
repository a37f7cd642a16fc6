import type { SimulatorCredentials } from './server.js';

/** Hosts that mean "every interface": the connector reaches them through loopback. */
const WILDCARD_HOSTS: ReadonlyMap<string, string> = new Map([
  ['0.0.0.0', '127.0.0.1'],
  ['::', '[::1]'],
]);

/** Plain http is accepted by the connector only to a loopback host (see the config schema). */
const LOOPBACK_HOST = /^(127\.[0-9.]+|localhost|\[::1\])$/;

export interface SimulatorConnectorConfig {
  /** A destination-rokt / target-rokt config using every credential set the simulator accepts. */
  config: Record<string, string>;
  /** Set when the connector will refuse the URL: plain http to a host that is not loopback. */
  warning?: string;
}

/**
 * The config a user saves and runs `destination-rokt check --config …` with, unchanged: the
 * simulator's credentials under the config's snake_case names and both API URLs pointing at it.
 */
export function simulatorConnectorConfig({ host, port, credentials }: { host: string; port: number; credentials: SimulatorCredentials }): SimulatorConnectorConfig {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const reachable = WILDCARD_HOSTS.get(host) ?? bracketed;
  const url = `http://${reachable}:${port}`;
  const config = {
    account_id: credentials.accountId,
    app_id: credentials.appId,
    app_secret: credentials.appSecret,
    public_key: credentials.publicKey,
    secret_key: credentials.secretKey,
    api_key: credentials.apiKey,
    api_url: url,
    audience_api_url: url,
  };
  if (LOOPBACK_HOST.test(reachable)) return { config };
  return { config, warning: `the connector accepts plain http only to 127.0.0.1, localhost or [::1], so it will refuse ${url}: start the simulator on a loopback host` };
}
