import { Router } from '../catalog/routes.js';
import { loadConfig } from '../config/load.js';
import { outputPathProblems } from '../config/output-paths.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { FAMILIES, familyFor } from '../families.js';
import type { Probe, RoktObject } from '../sync/family.js';
import { httpClientFor, secretsRedactor } from './connections.js';
import { flagValue, type CommandContext } from './context.js';

const OBJECTS: readonly RoktObject[] = ['event', 'audience'];

/**
 * Checks the whole config: its values, the files it names, its bindings, and every credential set
 * against Rokt (with account_id wherever an API takes it). Every problem the user must fix is a
 * FAILED status and exit 0 — an unreadable or invalid config file included; nothing is written.
 */
export async function runCheck({ flags, output }: CommandContext): Promise<void> {
  const warnings: string[] = [];
  let config: Config;
  try {
    config = await loadConfig(flagValue(flags, 'config'), { onWarning: (message) => warnings.push(message) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return connectionStatus(output, 'FAILED', error.message);
  }
  output.setRedactor(secretsRedactor(config));
  for (const warning of warnings) await output.log('WARN', warning);
  const problems = [...(await outputPathProblems(config)), ...bindingProblems(config)];
  const http = httpClientFor(config, 4);
  const probes = FAMILIES.flatMap((family) => family.probes(config, http));
  if (probes.length === 0) {
    const hints = FAMILIES.map((family) => family.credentialHint(family.objects[0] as RoktObject));
    problems.unshift(`No Rokt credentials: set ${hints.join(', or ')}.`);
    return connectionStatus(output, 'FAILED', problems.map(sentence).join(' '));
  }
  const results = await Promise.all(probes.map(async (probe) => ({ probe, problem: await runProbe(probe) })));
  const failures = [...results.filter((result) => result.problem !== undefined).map((result) => `${result.probe.credential} failed: ${result.problem}.`), ...problems.map(sentence)];
  if (failures.length > 0) return connectionStatus(output, 'FAILED', failures.join(' '));
  const verified = results.map((result) => `${result.probe.credential}: OK.`);
  const notes = OBJECTS.flatMap((object) => {
    const family = familyFor(config, object);
    return family ? [family.describe(config, object)] : [];
  });
  return connectionStatus(output, 'SUCCEEDED', [...verified, ...notes].join(' '));
}

function connectionStatus(output: CommandContext['output'], status: 'SUCCEEDED' | 'FAILED', message: string): Promise<void> {
  return output.message({ type: 'CONNECTION_STATUS', connectionStatus: { status, message: output.redact(message) } });
}

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

async function runProbe(probe: Probe): Promise<string | undefined> {
  try {
    return await probe.run();
  } catch (error) {
    return `could not reach Rokt (${(error as Error).message})`;
  }
}

/** Bindings are checked as `write` would (reserved names, duplicates), and against the credentials they need. */
function bindingProblems(config: Config): string[] {
  const problems: string[] = [];
  try {
    new Router(config, undefined);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message);
  }
  for (const binding of config.streams) {
    if (familyFor(config, binding.object)) continue;
    const hints = FAMILIES.filter((family) => family.objects.includes(binding.object)).map((family) => family.credentialHint(binding.object));
    problems.push(`Stream "${binding.stream}" ${binding.object === 'event' ? 'sends events' : 'writes audiences'}, which need ${hints.join(', or ')}`);
  }
  return problems;
}
