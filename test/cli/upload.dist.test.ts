/**
 * `asc-token upload` as built (dist/cli.mjs), end to end: the local server vends the tokens (the real handler behind
 * SigV4), the fake App Store Connect checks every request against Apple's spec and every token against the key's
 * public half. The failure modes in process through main(): test/cli/upload.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parseScopeEntry, scopeCovers } from '../../src/core/scope.ts';
import { FakeAppStoreConnect, type FakeAscOptions } from '../helpers/fake-asc.ts';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { plistBomb } from '../helpers/bplist-craft.ts';
import { DEV_ENV, root, shippedUploadScope, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const run = promisify(execFile);
const APP = { id: '1234567890', bundleId: PLIST.CFBundleIdentifier };
let service: TokenService;
let dir: string;
let ipa: string;
before(async () => {
  service = await startTokenService();
  dir = mkdtempSync(join(tmpdir(), 'asc-cli-upload-'));
  ipa = join(dir, 'Example.ipa');
  await writeIpa(ipa, { payloadBytes: 6 * 1024 * 1024 + 4321 }); // a binary Info.plist, as Xcode exports it
});
after(() => {
  service.close();
  rmSync(dir, { recursive: true, force: true });
});

async function fake(options: Partial<FakeAscOptions> = {}) {
  return new FakeAppStoreConnect({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [APP], requireScope: true, now: service.clock.now, partSize: 1024 * 1024, ...options }).start();
}

describe('asc-token upload (the built CLI, end to end)', () => {
  it('uploads a generated IPA with a binary Info.plist; the fake ends with the exact bytes; a token Apple finds too old is refreshed once', async () => {
    const asc = await fake({
      processingChecks: 1,
      maxTokenAgeSeconds: 300,
      // After the first status check, Apple's clock and the service's jump 400 s: the CLI's cached token for
      // the next check is then too old for Apple (401), and one forced refresh gets a new one.
      onApiRequest: ({ method, path }) => {
        if (method === 'GET' && path.startsWith('/v1/buildUploads/') && !jumped) {
          jumped = true;
          service.clock.offset += 400_000;
        }
      },
    });
    let jumped = false;
    try {
      const env = { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: asc.url };
      const { stdout, stderr } = await run(process.execPath, [join(root, 'dist/cli.mjs'), 'upload', ipa, '--output', 'json'], { env });
      trackOutput(stdout);
      trackOutput(stderr);
      assert.deepEqual(asc.problems, []);
      const result = JSON.parse(stdout);
      assert.equal(result.state, 'COMPLETE', stderr);
      const upload = asc.buildUploads.get(result.id)!;
      assert.deepEqual(asc.received(upload.fileId!), readFileSync(ipa));
      assert.equal(asc.rejectedAsOld, 1);
      // Every call carried a token naming exactly that call, and every pattern of the shipped profile was needed.
      const calls = asc.requests.map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(asc.requests.map((r) => r.scope?.[0]), calls);
      const patterns = shippedUploadScope().map((p) => parseScopeEntry(p, { allowWildcards: true }));
      for (const pattern of patterns) {
        assert.ok(typeof pattern !== 'string' && calls.some((call) => scopeCovers(pattern, parseScopeEntry(call) as never)), `unused pattern ${JSON.stringify(pattern)}`);
      }
      assert.deepEqual(asc.requests.map((r) => r.status).slice(-3), [200, 401, 200]);
      assert.match(stderr, /^uploading 25%/m);
    } finally {
      service.clock.offset = 0;
      asc.stop();
    }
  });
});

describe('a plist bomb (issue #20, finding 2)', () => {
  it('an .ipa whose binary Info.plist shares arrays 10 levels × 14 deep: exit 2 from the built CLI, in a 128 MB heap', async () => {
    const bomb = join(dir, 'Bomb.ipa');
    await writeIpa(bomb, { entries: [{ name: 'Payload/Bomb.app/Info.plist', data: plistBomb(10, 14) }] });
    assert.ok(statSync(bomb).size < 800, `${statSync(bomb).size} bytes`);
    const env = { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV, ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: 'http://127.0.0.1:9' };
    const minted = service.minted.length;
    // A heap of 128 MB: a parser that expands the references runs out of it (and crashes) long before it is done.
    const result = await run(process.execPath, ['--max-old-space-size=128', join(root, 'dist/cli.mjs'), 'upload', bomb], { env }).then(
      () => assert.fail('the upload went ahead'),
      (error: { code: number; signal: string | null; stderr: string }) => error,
    );
    trackOutput(result.stderr);
    assert.deepEqual([result.code, result.signal], [2, null], result.stderr);
    assert.match(result.stderr, /^asc-token: invalid_input: Payload\/Bomb\.app\/Info\.plist in Bomb\.ipa is not a property list upload can read \(binary\): an array or dictionary is referred to more than once/);
    assert.equal(service.minted.length, minted, 'refused before any token was asked for');
  });
});
