import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import t from 'tap';
import { parse } from 'yaml';
import { ROOT } from './helpers/cli.js';

// Airbyte's connector metadata schema, copied in (origin and license: test/fixtures/airbyte-metadata/README.md).
const SCHEMA_DIR = join(ROOT, 'test/fixtures/airbyte-metadata');
const BASE = 'https://schemas.test/airbyte-metadata/';

/**
 * Upstream ConnectorMetrics.yaml (reached only through `generated`, which Airbyte fills in at upload
 * time) writes `type: ConnectorMetric` where it means its own definition; Ajv refuses a type that is
 * not a JSON type, so that one slip is read as the reference it stands for. The file stays as copied.
 */
function readSchemaFile(file: string): Record<string, unknown> {
  const text = readFileSync(join(SCHEMA_DIR, file), 'utf8');
  return parse(file === 'ConnectorMetrics.yaml' ? text.replaceAll('type: ConnectorMetric\n', '$ref: "#/definitions/ConnectorMetric"\n') : text);
}

function metadataValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The formats the schema uses, checked rather than ignored (definitionId must be a UUID).
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('uri', { validate: (value: string) => URL.canParse(value) });
  ajv.addFormat('date-time', { validate: (value: string) => !Number.isNaN(Date.parse(value)) });
  for (const file of readdirSync(SCHEMA_DIR).filter((name) => name.endsWith('.yaml'))) {
    // Upstream $ids disagree with the file names every $ref uses: register each file by its name.
    const { $id: _upstreamId, ...schema } = readSchemaFile(file);
    ajv.addSchema({ ...schema, $id: BASE + file });
  }
  const validate = ajv.getSchema(BASE + 'ConnectorMetadataDefinitionV0.yaml');
  if (!validate) throw new Error('ConnectorMetadataDefinitionV0.yaml is missing');
  return { validate, errors: () => ajv.errorsText(validate.errors) };
}

const metadata = parse(readFileSync(join(ROOT, 'metadata.yaml'), 'utf8'));

t.test('metadata.yaml is valid against Airbyte’s connector metadata schema', async (t) => {
  const { validate, errors } = metadataValidator();
  t.ok(validate(metadata), errors());
});

t.test('the schema is strict enough to catch what metadata.yaml once lacked', async (t) => {
  const { validate, errors } = metadataValidator();
  const { githubIssueLabel: _label, ...withoutLabel } = metadata.data;
  t.notOk(validate({ ...metadata, data: withoutLabel }), 'githubIssueLabel is required');
  t.match(errors(), /githubIssueLabel/);
  t.notOk(validate({ ...metadata, data: { ...metadata.data, definitionId: 'not-a-uuid' } }), 'definitionId is a UUID');
  t.notOk(validate({ ...metadata, data: { ...metadata.data, supportsDataActivaton: true } }), 'an unknown (mistyped) key is refused');
});

t.test('metadata.yaml agrees with the connector: data activation, hosts, image, documentation', async (t) => {
  const spec = JSON.parse(readFileSync(join(ROOT, 'spec.json'), 'utf8'));
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  t.equal(metadata.data.connectorType, 'destination');
  t.equal(metadata.data.supportsDataActivation, true);
  t.same(metadata.data.allowedHosts.hosts, ['api.rokt.com', 'data.rokt.com', '*.mparticle.com']);
  const allowed = (url: string) => metadata.data.allowedHosts.hosts.some((host: string) => (host.startsWith('*.') ? new URL(url).hostname.endsWith(host.slice(1)) : new URL(url).hostname === host));
  const { api_url, audience_api_url, mparticle_url } = spec.connectionSpecification.properties;
  for (const url of [api_url.default, audience_api_url.default, mparticle_url.default, 'https://inbound.mparticle.com/s2s']) t.ok(allowed(url), `${url} is allowed`);
  t.equal(metadata.data.dockerImageTag, packageJson.version);
  t.equal(metadata.data.documentationUrl, spec.documentationUrl);
  t.equal(metadata.data.license, packageJson.license);
});
