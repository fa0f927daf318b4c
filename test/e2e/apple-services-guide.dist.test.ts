/**
 * docs/apple-services.md's push sender, run as a reader would run it: the guide's `push.mjs` block written to a
 * project of its own that imports the built `asc-token-vending/client`, with its token from the service (the real
 * handler behind the local server, SigV4 from the environment's credentials) and its push sent to a fake APNs that
 * checks the token by Apple's rules. If the guide's code drifts from the client or from APNs, this fails.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FakeApns } from '../helpers/fake-apns.ts';
import { DEVELOPER_KEY_ID, TEAM_ID, developerSecretJson, generateP256 } from '../helpers/keys.ts';
import { startLocalServer } from '../helpers/local-server.ts';
import { createService, type Service } from '../helpers/setup.ts';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CALLER = { accessKeyId: 'AKIDGUIDEPUSH0000001', secretAccessKey: 'guide-push-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/notification-service/task' };
const key = generateP256();

let service: Service;
let server: { url: string; close: () => void };
let apns: FakeApns;
let project: string;

before(async () => {
  const guide = readFileSync(join(root, 'docs/apple-services.md'), 'utf8');
  // The guide's first policy (its `push` profile), with this test's role as the caller.
  const policy = /```yaml\n(version: 1\nkeys:\n  push:[\s\S]*?)```/.exec(guide.slice(guide.indexOf('## Push notifications')))?.[1];
  assert.ok(policy, 'docs/apple-services.md has a push policy block');
  service = createService({ policy: policy.replaceAll('111122223333', '000000000000') });
  writeFileSync(join(service.dir, 'keys', 'push.json'), developerSecretJson(key));
  server = await startLocalServer(service.handler, [CALLER]);
  apns = await new FakeApns({ publicKey: key.publicKey, keyId: DEVELOPER_KEY_ID, teamId: TEAM_ID, now: Date.now }).start();
  project = mkdtempSync(join(tmpdir(), 'asc-guide-push-'));
  const sender = /```js\n(\/\/ push\.mjs[\s\S]*?)```/.exec(guide)?.[1];
  assert.ok(sender, 'docs/apple-services.md has the push.mjs block');
  writeFileSync(join(project, 'push.mjs'), sender);
  writeFileSync(join(project, 'apns-ca.pem'), apns.tls.cert);
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(root, join(project, 'node_modules', 'asc-token-vending'), 'dir');
});
after(async () => {
  server?.close();
  await apns?.stop();
  service?.cleanup();
  rmSync(project, { recursive: true, force: true });
});

describe('docs/apple-services.md: the push sender', () => {
  it('gets its token from the service and APNs accepts the push (200)', async () => {
    const env: Record<string, string | undefined> = { ...process.env, ASC_TOKEN_URL: server.url, APNS_URL: apns.url, NODE_EXTRA_CA_CERTS: join(project, 'apns-ca.pem'), AWS_ACCESS_KEY_ID: CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: CALLER.secretAccessKey, AWS_REGION: 'us-east-1' };
    for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'HTTPS_PROXY', 'https_proxy']) delete env[name];
    const { stdout } = await run(process.execPath, ['push.mjs', 'a'.repeat(64)], { cwd: project, env });
    assert.equal(stdout.trim(), '200');
    assert.deepEqual(apns.answers.map((a) => a.status), [200], 'one push, accepted');
  });

  it('a push to APNs with a token of another key is refused: the fake checks what the guide\'s sender relies on', async () => {
    const stranger = createService({ policy: readFileSync(join(service.dir, 'policy.yaml'), 'utf8') });
    try {
      writeFileSync(join(stranger.dir, 'keys', 'push.json'), developerSecretJson(generateP256()));
      const other = await startLocalServer(stranger.handler, [CALLER]);
      const env: Record<string, string | undefined> = { ...process.env, ASC_TOKEN_URL: other.url, APNS_URL: apns.url, NODE_EXTRA_CA_CERTS: join(project, 'apns-ca.pem'), AWS_ACCESS_KEY_ID: CALLER.accessKeyId, AWS_SECRET_ACCESS_KEY: CALLER.secretAccessKey, AWS_REGION: 'us-east-1' };
      const { stdout } = await run(process.execPath, ['push.mjs', 'a'.repeat(64)], { cwd: project, env }).finally(() => other.close());
      assert.equal(stdout.trim(), '403 InvalidProviderToken');
    } finally {
      stranger.cleanup();
    }
  });
});
