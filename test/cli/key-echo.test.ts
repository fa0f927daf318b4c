/**
 * Finding #12.1: a key passed where a path or an ID belongs must never come back in a message. Every shape people
 * paste a key in, in every argument position (the Secrets Manager and the KMS key commands alike), through `main`
 * (the whole matrix) and through the built CLI process (the real entry point). Every output is also registered with
 * the suite-wide leak check.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.ts';
import { argumentRedactor, looksLikeKeyMaterial, shownArgument } from '../../src/cli/redact.ts';
import { assertNoMaterial, generateP256 } from '../helpers/keys.ts';
import { closedUrl } from '../helpers/local-server.ts';
import { trackOutput } from '../helpers/leaks.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const key = generateP256();
const dir = mkdtempSync(join(tmpdir(), 'asc-echo-'));
writeFileSync(join(dir, 'AuthKey_ABCDE12345.p8'), key.pem);
after(() => rmSync(dir, { recursive: true, force: true }));

const body = key.pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
const lines = key.pem.trim().split('\n');
/** The shapes a key is pasted in. */
const SHAPES: Record<string, string> = {
  'PEM': key.pem,
  'PEM, escaped newlines': key.pem.replace(/\n/g, '\\n'),
  'PEM, newlines lost': key.pem.replace(/\n/g, ''),
  'base64 of the .p8 file': Buffer.from(key.pem).toString('base64'),
  'bare base64 body': body,
  'first body line': lines[1] ?? '',
  'DER as hex': key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex'),
};

let sm: SecretsManagerClient;
let kms: KMSClient;
let closed: string;
before(async () => {
  closed = await closedUrl();
  sm = new SecretsManagerClient({ endpoint: closed, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
  kms = new KMSClient({ endpoint: closed, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 });
});

/** Every place an argument can go, with X standing for the pasted key. */
const POSITIONS: Array<[string, (x: string) => string[]]> = [
  ['mint --p8 X', (x) => ['mint', '--p8', x, '--issuer-id', ISSUER]],
  ['mint --p8=X', (x) => ['mint', `--p8=${x}`, '--issuer-id', ISSUER]],
  ['mint --key-id X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--key-id', x, '--issuer-id', ISSUER]],
  ['mint --issuer-id X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', x]],
  ['mint X (positional)', (x) => ['mint', x]],
  ['mint --X (as an option)', (x) => ['mint', `--${x}`]],
  ['mint --scope X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--scope', x]],
  ['mint --api X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--api', x]],
  ['keys import --p8 X', (x) => ['keys', 'import', '--secret-id', 'asc/main', '--p8', x, '--issuer-id', ISSUER]],
  ['keys import --secret-id X', (x) => ['keys', 'import', '--secret-id', x, '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER]],
  ['keys show --secret-id X', (x) => ['keys', 'show', '--secret-id', x]],
  ['keys import --kms-key-id K --p8 X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', '--p8', x, '--issuer-id', ISSUER]],
  ['keys import --kms-key-id K --p8=X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', `--p8=${x}`, '--issuer-id', ISSUER]],
  ['keys import --kms-key-id X', (x) => ['keys', 'import', '--kms-key-id', x, '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER]],
  ['keys import --kms-key-id K --valid-to X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--valid-to', x]],
  ['keys import --kms-key-id K --key-id X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', '--p8', 'AuthKey_ABCDE12345.p8', '--key-id', x, '--individual']],
  ['keys verify --kms-key-id X', (x) => ['keys', 'verify', '--kms-key-id', x]],
  ['keys verify --kms-key-id K --apple-url X', (x) => ['keys', 'verify', '--kms-key-id', 'alias/asc/main', '--apple-url', x]],
  ['keys show --kms-key-id X', (x) => ['keys', 'show', '--kms-key-id', x]],
  ['keys X', (x) => ['keys', x]],
  ['X (as the command)', (x) => [x]],
  ['token X (as the profile)', (x) => ['token', x, '--url', closed]],
  ['token --url X', (x) => ['token', 'release', '--url', x]],
  ['policy check X', (x) => ['policy', 'check', x]],
];

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

  it('still names an ordinary path, ID or scope entry in its messages', async () => {
    assert.match((await cli(['mint', '--p8', 'keys/AuthKey_ZZZZZ99999.p8', '--issuer-id', ISSUER])).out, /cannot read --p8 "keys\/AuthKey_ZZZZZ99999\.p8": no such file/);
    assert.match((await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', 'abc'])).out, /--issuer-id "abc" is not an issuer ID/);
    assert.match((await cli(['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--scope', 'GET /v1/apps/../x'])).out, /path has a "\.\." segment/);
  });
});

describe('the built CLI process', () => {
  it('prints no part of a pasted key, in any position', async () => {
    const runs = POSITIONS.filter(([position]) => !position.startsWith('token')).flatMap(([position, args]) =>
      ['PEM', 'base64 of the .p8 file', 'PEM, escaped newlines'].map(async (shape) => {
        const result = await promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), ...args(SHAPES[shape] as string)], {
          cwd: dir,
          env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_SECRETS_MANAGER: closed, AWS_ENDPOINT_URL_KMS: closed, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1' },
        }).then(
          () => assert.fail(`${position} / ${shape} succeeded`),
          (error: { code: number; stdout: string; stderr: string }) => error,
        );
        const out = result.stdout + result.stderr;
        trackOutput(out);
        assert.ok(result.code > 0 && out.length > 0, `${position} / ${shape}`);
        assertNoMaterial(out, key);
      }),
    );
    await Promise.all(runs);
  });
});

describe('redact.ts', () => {
  it('tells key material from paths, IDs, URLs and scope entries', () => {
    for (const value of Object.values(SHAPES).filter((v) => v.length >= 60)) assert.equal(looksLikeKeyMaterial(value), true);
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
