/** `asc-token-vending/asc` as a Node service gets it: the built entry, its declarations, beside `/client`. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('ships TypeScript declarations a consumer type-checks against', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-consumer-'));
    try {
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(root, join(dir, 'node_modules/asc-token-vending'));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(
        join(dir, 'consumer.ts'),
        [
          "import { TokenClient } from 'asc-token-vending/client';",
          "import { AppStoreConnectClient, AscError, NotarizationError, notarize, notaryClient, uploadBuild, vendedTokenAuth, type NotarizeResult, type UploadBuildResult } from 'asc-token-vending/asc';",
          "const auth = vendedTokenAuth({ tokens: new TokenClient({ url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' }), profile: 'testflight-upload' });",
          'const client = new AppStoreConnectClient({ auth });',
          "const result: UploadBuildResult = await uploadBuild({ client, file: 'App.ipa', timeoutMs: 30 * 60_000, onEvent: (e) => console.log(e.type) });",
          "export const code = (e: unknown) => (e instanceof AscError ? e.code : 'other');",
          '// @ts-expect-error platform is one of Apple\'s names',
          "await uploadBuild({ client, file: 'App.ipa', platform: 'IPHONE' });",
          'console.log(result.id, result.state);',
          "const notarized: NotarizeResult = await notarize({ client: notaryClient({ auth }), file: 'App.zip', timeoutMs: 60 * 60_000 });",
          "export const issues = (e: unknown) => (e instanceof NotarizationError ? e.result.issues.map((i) => `${i.path}: ${i.message}`) : []);",
          "console.log(notarized.id, notarized.status === 'Accepted');",
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['consumer.ts'] }),
      );
      const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir]).catch((error) => error);
      assert.equal(result.code ?? 0, 0, `${result.stdout}${result.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
