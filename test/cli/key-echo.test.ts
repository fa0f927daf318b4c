/**
 * Finding #12.1: a key passed where a path or an ID belongs must never come back in a message. Every shape people
 * paste a key in, in every argument position (the Secrets Manager and the KMS key commands alike), through `main`
 * (the whole matrix; the built CLI process, the real entry point: key-echo.dist.test.ts). Every output is also
 * registered with the suite-wide leak check.
 */
import assert from 'node:assert/strict';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { argumentRedactor, looksLikeKeyMaterial, shownArgument } from '../../src/cli/redact.ts';
import { assertNoMaterial, generateP256 } from '../helpers/keys.ts';
import { closedUrl } from '../helpers/local-server.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { ISSUER, positions, shapesOf } from './pasted-keys.ts';

const key = generateP256();
const dir = mkdtempSync(join(tmpdir(), 'asc-echo-'));
writeFileSync(join(dir, 'AuthKey_ABCDE12345.p8'), key.pem);
after(() => rmSync(dir, { recursive: true, force: true }));

const SHAPES = shapesOf(key);

let sm: SecretsManagerClient;
let kms: KMSClient;
let closed: string;
const POSITIONS = positions(() => closed);
before(async () => {
  closed = await closedUrl();
  sm = new SecretsManagerClient({ endpoint: closed, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
  kms = new KMSClient({ endpoint: closed, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
});

async function cli(argv: string[]) {
  let out = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {}, cwd: dir, now: Date.now }, { secretsManager: sm, kms, credentials: async () => ({ accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }), sleep: async () => {} });
  trackOutput(out);
  return { code, out };
}

describe('a key where a path or an ID belongs (finding #12.1)', () => {
  for (const [position, args] of POSITIONS) {
    it(`${position}: fails without printing any part of the key, whatever its shape`, async () => {
      for (const [shape, value] of Object.entries(SHAPES)) {
        const { code, out } = await cli(args(value));
        assert.notEqual(code, 0, `${position} / ${shape} succeeded`);
        assert.ok(out.length > 0, `${position} / ${shape} printed nothing`);
        assertNoMaterial(out, key);
        const tail = value.replace(/-----[A-Z ]+-----/g, '').replace(/\\n|\s/g, '').slice(-20);
        assert.ok(!out.includes(tail), `${position} / ${shape} printed the end of the value: ${out}`);
      }
    });
  }

  it('--p8 with the key itself says so, and what to do', async () => {
    for (const value of Object.values(SHAPES).filter((v) => v.length > 60)) {
      for (const args of [['--p8', value], [`--p8=${value}`]]) {
        const { code, out } = await cli(['mint', ...args, '--issuer-id', ISSUER]);
        assert.equal(code, 2);
        assert.match(out, /--p8 takes the path of the \.p8 file, and the value given looks like the key itself \(not shown\)/);
      }
    }
  });

  it('a name that is not a file name is not quoted back (--key-id missing): "the value given"', async () => {
    const d = SHAPES['JWK d (the bare private scalar, 43 base64url characters)'] as string;
    for (const command of [['mint'], ['keys', 'import', '--secret-id', 'asc/main']]) {
      const { code, out } = await cli([...command, '--p8', d, '--issuer-id', ISSUER]);
      assert.equal(code, 2, out);
      assert.ok(!out.includes(d.slice(0, 12)) && !out.includes(d.slice(-12)), `the scalar was echoed: ${out}`);
    }
    assert.match((await cli(['mint', '--p8', 'secret-key', '--issuer-id', ISSUER])).out, /--key-id is required: the value given is not AuthKey_KEYID\.p8/);
    assert.match((await cli(['mint', '--p8', 'keys/my.p8', '--issuer-id', ISSUER])).out, /--key-id is required: the file name "my\.p8" is not AuthKey_KEYID\.p8/);
  });

  it('still names an ordinary path, ID or scope entry in its messages', async () => {
    assert.match((await cli(['mint', '--p8', 'keys/AuthKey_ZZZZZ99999.p8', '--issuer-id', ISSUER])).out, /cannot read --p8 "keys\/AuthKey_ZZZZZ99999\.p8": no such file/);
    assert.match((await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', 'abc'])).out, /--issuer-id "abc" is not an issuer ID/);
    assert.match((await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--scope', 'GET /v1/apps/../x'])).out, /path has a "\.\." segment/);
  });
});

describe('redact.ts', () => {
  it('tells key material from paths, IDs, URLs and scope entries', () => {
    for (const value of Object.values(SHAPES).filter((v) => v.length >= 40)) assert.equal(looksLikeKeyMaterial(value), true, value.length.toString());
    for (const value of ['build-2024-11-28-release-candidate-number-7/AuthKey_ABCDE12345.p8', 'AuthKey_ABCDE12345.p8']) assert.equal(looksLikeKeyMaterial(value), false, value);
    for (const value of ['AuthKey_ABCDE12345.p8', '/home/runner/work/my-project/my-project/secrets/AuthKey_ABCDE12345.p8', ISSUER, 'GET /v1/apps/1234567890/preReleaseVersions?filter[platform]=IOS', 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod', 'asc/main']) {
      assert.equal(looksLikeKeyMaterial(value), false, value);
      assert.equal(shownArgument(value), JSON.stringify(value));
    }
    assert.equal(shownArgument(key.pem), `(a value of ${key.pem.length} characters, not shown)`);
  });

  it('scrubs any run sharing 12 characters with a key-like argument, and nothing else', () => {
    const redact = argumentRedactor(['mint', '--p8', Buffer.from(key.pem).toString('base64'), '--issuer-id', ISSUER]);
    const fragment = Buffer.from(key.pem).toString('base64').slice(40, 60);
    assert.equal(redact(`Unexpected argument '${fragment}'. ok`), `Unexpected argument '[redacted]'. ok`);
    assert.equal(redact(`issuer ${ISSUER} at GET /v1/apps`), `issuer ${ISSUER} at GET /v1/apps`);
    assert.equal(argumentRedactor(['token', 'release'])('anything at all'), 'anything at all');
  });
});
