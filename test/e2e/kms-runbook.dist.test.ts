/**
 * The runbook docs/keys.md#rotating-a-kms-held-key-runbook through the local server as `npm start` runs it (dist/local.mjs),
 * with KEY_SOURCE=policy and AWS_ENDPOINT_URL_KMS: the alias moves under load, the new kid takes over, and
 * /v1/health shows it. Through the handler in process: kms-runbook.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { UpdateAliasCommand } from '@aws-sdk/client-kms';
import { signedRequest } from '../../src/client/http.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { npmStartArgs } from '../helpers/local-server.ts';
import { checkedKid, importIntoNewKey, runbook, useRunbook } from './kms-runbook.ts';

useRunbook();

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('runbook: rotating a KMS-held key', () => {
  it('through the local server (npm start) with AWS_ENDPOINT_URL_KMS: the same rotation, and health shows it', async () => {
    runbook.kms.keys.clear();
    runbook.kms.aliases.clear();
    await importIntoNewKey('AuthKey_OLDKEY0001.p8', 'alias/asc/main');
    const credentials = { accessKeyId: 'AKLOCALRUNBOOK01', secretAccessKey: 'runbook-secret' };
    writeFileSync(join(runbook.dir, 'credentials.json'), JSON.stringify([{ ...credentials, principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/ops' }]));
    const env = {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      POLICY_FILE: join(runbook.dir, 'policy.yaml'),
      LOCAL_CREDENTIALS_FILE: join(runbook.dir, 'credentials.json'),
      KEY_SOURCE: 'policy',
      KEY_CACHE_TTL_SECONDS: '1',
      AWS_ENDPOINT_URL_KMS: runbook.kms.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDFN',
      AWS_SECRET_ACCESS_KEY: 'x',
      LOG_LEVEL: 'WARN',
    };
    const server = spawn(process.execPath, npmStartArgs(root), { cwd: runbook.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stdout?.on('data', (chunk) => (output += chunk));
    server.stderr?.on('data', (chunk) => (output += chunk));
    try {
      const url = await new Promise<string>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`no banner within 20 s: ${output}`)), 20_000);
        server.stdout?.on('data', () => {
          const match = /local server: (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match && output.includes('Ctrl-C')) {
            clearTimeout(timer);
            ready(match[1] as string);
          }
        });
        server.on('exit', (code) => fail(new Error(`the server exited (${code}): ${output}`)));
      });
      assert.match(output, / {2}keys {7}from the policy's sources: main=OLDKEY0001 \(kms\)\n/);
      const mint = async () => {
        const response = await signedRequest({ method: 'POST', baseUrl: url, path: '/v1/tokens/release', credentials: async () => credentials, region: 'us-east-1' });
        assert.equal(response.status, 200, response.text);
        return checkedKid((response.json as { token: string }).token);
      };
      const before = await Promise.all(Array.from({ length: 10 }, mint));
      assert.ok(before.every((kid) => kid === 'OLDKEY0001'));

      const arn = await importIntoNewKey('AuthKey_NEWKEY0001.p8');
      await runbook.ops.send(new UpdateAliasCommand({ AliasName: 'alias/asc/main', TargetKeyId: arn }));
      // Load until the new kid appears: a liveness bound, not a speed assertion (the TTL is 1 s).
      const kids: string[] = [];
      for (const deadline = Date.now() + 30_000; !kids.includes('NEWKEY0001'); ) {
        assert.ok(Date.now() < deadline, 'the new key never took over');
        kids.push(...(await Promise.all(Array.from({ length: 5 }, mint))));
      }
      const afterSwitch = await Promise.all(Array.from({ length: 10 }, mint));
      assert.ok(afterSwitch.every((kid) => kid === 'NEWKEY0001'));

      const health = await signedRequest({ method: 'GET', baseUrl: url, path: '/v1/health', credentials: async () => credentials, region: 'us-east-1' });
      assert.equal(health.status, 200, health.text);
      const [main] = (health.json as { keys: Array<Record<string, any>> }).keys;
      assert.equal(main?.source, 'kms');
      assert.equal(main?.keyId, 'NEWKEY0001');
      assert.equal(main?.kms.keyArn, arn);
      assert.equal(main?.kms.keyState, 'Enabled');
      assert.match(main?.warnings[0], /is tagged key NEWKEY0001, .* but the policy says key OLDKEY0001/);
      assert.match(output, /"level":"WARN".*"message":"key needs attention"/);
    } finally {
      server.kill('SIGTERM');
      trackOutput(output);
    }
  });
});
