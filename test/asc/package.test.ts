/**
 * `asc-token-vending/asc` as a Node service gets it: the built entry beside `/client`. Its declarations are
 * type-checked with the installed package's (test/package/package.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEV, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { verifyEs256 } from '../helpers/keys.ts';

const run = promisify(execFile);
let service: TokenService;
before(async () => {
  service = await startTokenService();
});
after(() => service.close());

describe('asc-token-vending/asc', () => {
  it('works with a TokenClient from asc-token-vending/client (two bundles): per-call scope found from the service’s code', async () => {
    const script = `
      const { TokenClient } = await import('asc-token-vending/client');
      const { vendedTokenAuth, scopeOf } = await import('asc-token-vending/asc');
      const tokens = new TokenClient({ url: ${JSON.stringify(service.url)}, credentials: async () => (${JSON.stringify({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey })}) });
      const auth = vendedTokenAuth({ tokens, profile: 'testflight-upload' });
      const call = { method: 'GET', path: '/v1/buildUploads/abc' };
      console.log(JSON.stringify({ token: await auth.getToken(call), mode: auth.mode, scope: scopeOf(call) }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    const result = JSON.parse(stdout);
    assert.equal(result.mode, 'per-call');
    assert.deepEqual(verifyEs256(result.token, service.service.key.publicKey).payload.scope, ['GET /v1/buildUploads/abc']);
  });
});
