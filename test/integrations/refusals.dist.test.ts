/**
 * The built CLI (dist/cli.mjs) names itself and its version in `user-agent`, which the audit record keeps. The
 * hints on refusals and TokenClient's user-agent, in process: test/integrations/refusals.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { LocalCredential } from '../../src/local/verify.ts';
import { startLocalServer } from '../helpers/local-server.ts';
import { createService, type Service } from '../helpers/setup.ts';
import { ROOT } from './readme.ts';

const run = promisify(execFile);
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEV: LocalCredential = { accessKeyId: 'AKIDREFUSALS00000001', secretAccessKey: 'refusals-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/hints' };

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

describe('the audit record names the tool and its version', () => {
  const lastAudit = () => service.logs.audits().filter((r) => r.event === 'token.decision').at(-1);

  it('the built CLI sends user-agent asc-token/VERSION (cli)', async () => {
    const env = { PATH: process.env.PATH ?? '', AWS_ACCESS_KEY_ID: DEV.accessKeyId, AWS_SECRET_ACCESS_KEY: DEV.secretAccessKey, ASC_TOKEN_URL: url };
    const { stdout } = await run(process.execPath, [join(ROOT, 'dist/cli.mjs'), 'token', 'release', '--output', 'json'], { env });
    const response = JSON.parse(stdout) as { tokenSha256: string };
    const audit = lastAudit();
    assert.equal(audit?.tokenSha256, response.tokenSha256);
    assert.equal(audit?.userAgent, `asc-token/${VERSION} (cli)`);
  });
});
