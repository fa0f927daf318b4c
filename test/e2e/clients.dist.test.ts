/**
 * TokenClient and the CLI as built: `asc-token-vending/client` imported from the package (dist/client.mjs), and
 * dist/cli.mjs with the real AWS credential chain, against the local server (the real handler behind SigV4). In
 * process: test/e2e/clients.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startLocalServer } from '../helpers/local-server.ts';
import type { LocalCredential } from '../../src/local/verify.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { createService, type Service } from '../helpers/setup.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const DEV: LocalCredential = { accessKeyId: 'AKIDCLIENTTEST000001', secretAccessKey: 'client-test-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/svc' };

let service: Service;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let url: string;
before(async () => {
  service = createService();
  server = await startLocalServer(service.handler, [DEV]);
  url = server.url;
});
after(() => {
  server.close();
  service.cleanup();
});

describe('TokenClient', () => {
  it('is importable as asc-token-vending/client from the built package', async () => {
    const script = `const { TokenClient } = await import('asc-token-vending/client');
      const client = new TokenClient({ url: ${JSON.stringify(url)}, credentials: async () => (${JSON.stringify({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey })}) });
      const r = await client.getToken('release'); console.log(r.profile);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    assert.equal(stdout.trim(), 'release');
  });
});

describe('asc-token in CI', () => {
  it('no AWS credentials anywhere: exit 5, saying how to get some (built CLI, real credential chain)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'asc-home-'));
    try {
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') };
      const failure = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'token', 'release', '--url', url], { env }).catch((error) => error);
      assert.equal(failure.code, 5, failure.stderr);
      assert.match(failure.stderr, /^asc-token: no_credentials: no AWS credentials found .*\nhint: In CI, assume a role first/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('the built CLI loads the whole chain for AWS_PROFILE, which wins over keys in the environment (as in the SDK)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'asc-home-'));
    try {
      writeFileSync(join(home, 'credentials'), `[ci]\naws_access_key_id = ${DEV.accessKeyId}\naws_secret_access_key = ${DEV.secretAccessKey}\n`);
      const env = {
        PATH: process.env.PATH ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
        AWS_PROFILE: 'ci', AWS_ACCESS_KEY_ID: 'AKIDNOTKNOWNTOTHESVC', AWS_SECRET_ACCESS_KEY: 'wrong', ASC_TOKEN_URL: url,
      };
      const { stdout } = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'token', 'release'], { env });
      verifyEs256(stdout.trim(), service.key.publicKey);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('the built CLI signs with credentials from the environment, as in CI after assuming a role', async () => {
    const env = { PATH: process.env.PATH ?? '', AWS_ACCESS_KEY_ID: DEV.accessKeyId, AWS_SECRET_ACCESS_KEY: DEV.secretAccessKey, AWS_REGION: 'eu-west-1', ASC_TOKEN_URL: url };
    const { stdout } = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'token', 'release'], { env });
    verifyEs256(stdout.trim(), service.key.publicKey);
  });
});
