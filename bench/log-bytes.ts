/**
 * The bytes of CloudWatch Logs one token costs (docs/scale.md): the built handler (dist/handler.mjs) answers one
 * warm request per case in a child process with the Lambda environment, its stdout (what Lambda ships to the log
 * group) is captured and each line's size printed. Keys come from the tests' Secrets Manager and KMS fakes on
 * loopback. Not a timing, so not part of `npm run bench`: `npm run build && npx tsx bench/log-bytes.ts`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TAGS } from '../src/key-sources/kms-fetcher.ts';
import { FakeKms } from '../test/helpers/fake-kms.ts';
import { FakeSecretsManager } from '../test/helpers/fake-secrets-manager.ts';
import { withRequest } from '../test/helpers/fixtures.ts';
import { generateP256, secretJson } from '../test/helpers/keys.ts';

const root = resolve(import.meta.dirname ?? '.', '..');
const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';
const ROLE = 'arn:aws:iam::111122223333:role/github-ios-release';
const CALLER = 'arn:aws:sts::111122223333:assumed-role/github-ios-release/GitHubActions';

// One warm request per case, between markers; the first (cold) request of each case is outside them.
const CHILD = `
const { handler } = await import(process.env.BENCH_HANDLER);
const events = JSON.parse(process.env.BENCH_EVENTS);
for (const [name, event] of Object.entries(events)) {
  await handler(event, { awsRequestId: 'cold' });
  process.stdout.write('@@' + name + '\\n');
  const answer = await handler(event, { awsRequestId: 'warm' });
  process.stdout.write('@@status ' + answer.statusCode + ', response body ' + Buffer.byteLength(answer.body) + ' B\\n');
}`;

const sm = await new FakeSecretsManager().start();
const kms = await new FakeKms().start();
const dir = mkdtempSync(join(tmpdir(), 'asc-log-bytes-'));
try {
  sm.create('asc/main', secretJson(generateP256(), { keyId: '2X9R4HXF34', issuerId: ISSUER }));
  kms.importDirectly(kms.createKey({ alias: 'alias/asc/signer' }), generateP256().privateKey, { [TAGS.keyId]: '7Y3K9QWE21', [TAGS.issuerId]: ISSUER });
  const policy = {
    version: 1,
    keys: { main: { secretId: 'asc/main' }, signer: { kmsKeyId: 'alias/asc/signer', keyId: '7Y3K9QWE21', issuerId: ISSUER } },
    profiles: {
      release: { key: 'main', scope: 'any', callers: [ROLE] },
      'testflight-upload': { key: 'main', scope: ['POST /v1/buildUploads', 'PATCH /v1/buildUploadFiles/*', 'GET /v1/buildUploads/*'], callers: [ROLE] },
      'release-kms': { key: 'signer', scope: 'any', callers: [ROLE] },
    },
  };
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
  const request = (profile: string, body?: object, userArn = CALLER) =>
    withRequest('rest-v1-iam-auth.captured.powertools-ts.json', {
      method: 'POST',
      path: `/v1/tokens/${profile}`,
      userArn,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
  const events = {
    'Secrets Manager key, unscoped': request('release'),
    'Secrets Manager key, one scope entry': request('testflight-upload', { scope: ['PATCH /v1/buildUploadFiles/6b1e2f3a-1111-2222-3333-444455556666'] }),
    'KMS key, unscoped': request('release-kms'),
    'refused (caller not allowed)': request('release', undefined, 'arn:aws:sts::111122223333:assumed-role/someone-else/GitHubActions'),
  };
  const output = await new Promise<string>((done, fail) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDBENCH',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        AWS_ENDPOINT_URL_KMS: kms.endpoint,
        AWS_LAMBDA_FUNCTION_NAME: 'asc-token-vending-prod-api',
        LOG_LEVEL: 'INFO',
        POLICY_FILE: join(dir, 'policy.json'),
        BENCH_HANDLER: join(root, 'dist/handler.mjs'),
        BENCH_EVENTS: JSON.stringify(events),
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.on('exit', (code) => (code === 0 ? done(text) : fail(new Error(`the handler process exited with ${code}`))));
  });
  let current: string | undefined;
  let total = 0;
  for (const line of output.split('\n')) {
    if (line.startsWith('@@status')) {
      process.stdout.write(`  log lines: ${total} B (${line.slice(2)})\n`);
      current = undefined;
    } else if (line.startsWith('@@')) {
      current = line.slice(2);
      total = 0;
      process.stdout.write(`${current}\n`);
    } else if (current !== undefined && line !== '') {
      const bytes = Buffer.byteLength(line) + 1;
      total += bytes;
      const what = line.includes('"level":"AUDIT"') ? 'audit record' : line.startsWith('{"_aws"') ? `EMF ${/"Name":"(\w+)"/.exec(line)?.[1]}` : 'other';
      process.stdout.write(`  ${what}: ${bytes} B\n`);
    }
  }
} finally {
  await sm.stop();
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
}
