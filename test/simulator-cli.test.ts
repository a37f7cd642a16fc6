// The standalone simulator prints a connector config that works as is: save the line, run `check`.
import { join } from 'node:path';
import t from 'tap';
import { simulatorConnectorConfig } from '../src/simulator/connector-config.js';
import { DEFAULT_SIMULATOR_CREDENTIALS } from '../src/simulator/server.js';
import { ROOT, runCli, RunningCli, tempDir, writeJson } from './helpers/cli.js';
import { assertAirbyteMessages, ofType } from './helpers/protocol.js';

const SIMULATOR_CLI = join(ROOT, 'dist/src/simulator/cli.js');

t.test('the simulator CLI prints a ready config; check with it as is succeeds for every credential set', async (t) => {
  const simulator = new RunningCli(['--port', '0'], { bin: SIMULATOR_CLI });
  t.teardown(() => {
    if (simulator.child.exitCode === null) simulator.child.kill('SIGTERM');
    return simulator.exited;
  });
  const { line } = await simulator.waitForLine((text) => text.trim() !== '');
  const config = JSON.parse(line) as Record<string, string>;
  t.same(Object.keys(config).sort(), ['account_id', 'api_key', 'api_url', 'app_id', 'app_secret', 'audience_api_url', 'public_key', 'secret_key']);
  t.match(config.api_url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal(config.audience_api_url, config.api_url);

  const check = await runCli(['check', '--config', writeJson(tempDir(), 'sim-config.json', config)]);
  t.equal(check.code, 0, check.stderr);
  const status = ofType(assertAirbyteMessages(t, check.stdout), 'CONNECTION_STATUS')[0];
  t.equal(status?.connectionStatus.status, 'SUCCEEDED', status?.connectionStatus.message);
  t.match(status?.connectionStatus.message, /app_id\/app_secret .*OK.*public_key\/secret_key .*OK.*api_key .*OK/);
  t.match(simulator.stderr, /Rokt simulator listening on http:\/\/127\.0\.0\.1:\d+/);

  simulator.child.kill('SIGTERM');
  t.equal(await simulator.exited, 0, 'stops cleanly on SIGTERM');
});

t.test('a simulator on every interface is reached through loopback; a non-loopback host gets a warning', async (t) => {
  const credentials = DEFAULT_SIMULATOR_CREDENTIALS;
  t.same(simulatorConnectorConfig({ host: '0.0.0.0', port: 8080, credentials }), {
    config: {
      account_id: credentials.accountId,
      app_id: credentials.appId,
      app_secret: credentials.appSecret,
      public_key: credentials.publicKey,
      secret_key: credentials.secretKey,
      api_key: credentials.apiKey,
      api_url: 'http://127.0.0.1:8080',
      audience_api_url: 'http://127.0.0.1:8080',
    },
  });
  t.equal(simulatorConnectorConfig({ host: '::', port: 8080, credentials }).config.api_url, 'http://[::1]:8080');
  t.equal(simulatorConnectorConfig({ host: '::1', port: 8080, credentials }).warning, undefined);
  t.equal(simulatorConnectorConfig({ host: 'localhost', port: 8080, credentials }).warning, undefined);
  const remote = simulatorConnectorConfig({ host: '192.0.2.10', port: 8080, credentials });
  t.equal(remote.config.api_url, 'http://192.0.2.10:8080');
  t.match(remote.warning, /accepts plain http only to 127\.0\.0\.1, localhost or \[::1\]/);
});
