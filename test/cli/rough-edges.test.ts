/**
 * What a newcomer tripped over (issue #24), each through the CLI as a process of its own (src/cli.ts through tsx:
 * test/helpers/cli-process.ts), against servers on loopback; test:all runs this file on Node 22 and 24 too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, runCliReaderGone } from '../helpers/cli-process.ts';
import { DEV_ENV, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { writeIpa } from '../helpers/fake-asc-ipa.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { generateP256, secretJson } from '../helpers/keys.ts';
import { listenOnLoopback, stopServer } from '../helpers/loopback.ts';

describe('a reader that stops early (| head -1)', () => {
  for (const args of [['policy', 'check'], ['policy', 'check', '--json'], ['--help']]) {
    it(`asc-token ${args.join(' ')}: exit 0, nothing on stderr, no EPIPE`, async () => {
      const result = await runCliReaderGone(args);
      assert.deepEqual(result, { code: 0, signal: null, stderr: '' });
    });
  }
});

/** A loopback server that records every request and answers each with `answer` (default 404). */
async function recorder(answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(404).end()) {
  const requests: Array<{ url: string; authorization: string }> = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization ?? '' });
    req.resume().on('end', () => answer(req, res));
  });
  const url = await listenOnLoopback(server);
  return { url, requests, stop: () => stopServer(server) };
}

/** Credentials as CI has them, signing for a region; whoever they are sent to is the test's recorder. */
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIDROUGHEDGES000001', AWS_SECRET_ACCESS_KEY: 'rough-edges-secret', AWS_REGION: 'eu-west-1' };

describe('usage errors found before anything is sent', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'asc-rough-edges-'));
    writeFileSync(join(dir, 'App.pkg'), 'xar!');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('upload App.pkg names every missing flag in one message (exit 2), and nothing reaches the service or Apple', async () => {
    const server = await recorder();
    try {
      const env = { ...AWS_ENV, ASC_TOKEN_URL: server.url, ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: server.url };
      const all = await runCli(['upload', 'App.pkg'], { env, cwd: dir });
      assert.equal(all.code, 2, all.stderr);
      assert.equal(all.stderr, 'asc-token: invalid_input: App.pkg is a .pkg: pass CFBundleShortVersionString, CFBundleVersion and CFBundleIdentifier\nhint: Pass --version 1.2.3 --build 45 --bundle-id com.example.app (or --app-id ID).\n');
      const two = await runCli(['upload', 'App.pkg', '--build', '45'], { env, cwd: dir });
      assert.equal(two.code, 2, two.stderr);
      assert.match(two.stderr, /pass CFBundleShortVersionString and CFBundleIdentifier\nhint: Pass --version 1\.2\.3 --bundle-id com\.example\.app \(or --app-id ID\)\.\n$/);
      assert.deepEqual(server.requests, []);
    } finally {
      server.stop();
    }
  });

  it('notarize --status / --log with an ID that is not Apple’s (a UUID): exit 2, nothing sent to the service or Apple', async () => {
    const server = await recorder();
    try {
      const env = { ...AWS_ENV, ASC_TOKEN_URL: server.url, ASC_TOKEN_PROFILE: 'notarize', ASC_NOTARY_URL: `${server.url}/notary/v2` };
      for (const flag of ['--status', '--log']) {
        const result = await runCli(['notarize', flag, 'not-a-uuid'], { env });
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, /^asc-token: invalid_input: submission ID "not-a-uuid" is not an identifier \(a UUID such as 2efe2717-52ef-43a5-96dc-0797e4ca1041\)\nhint: Use the ID `asc-token notarize` printed/);
      }
      assert.deepEqual(server.requests, []);
    } finally {
      server.stop();
    }
  });

  it('a flag without its value (a bare --log, --log followed by a flag): the flag named, with its placeholder, and where help is', async () => {
    const bare = await runCli(['notarize', '--log'], { env: AWS_ENV });
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^asc-token: --log needs a value: --log ID\nusage: asc-token notarize [^]*\nrun `asc-token notarize --help` for its flags, defaults and examples\n$/);
    const ambiguous = await runCli(['notarize', '--log', '--output', 'json'], { env: AWS_ENV });
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /^asc-token: --log needs a value: --log ID \(a value that starts with "-" is written --log=-VALUE\)\n/);
    assert.doesNotMatch(ambiguous.stderr, /ambiguous|Did you forget/);
    const keys = await runCli(['keys', 'verify', '--secret-id'], { env: AWS_ENV });
    assert.equal(keys.code, 2);
    assert.match(keys.stderr, /^asc-token: --secret-id needs a value: --secret-id ID\nusage: asc-token keys verify [^]*\nrun `asc-token keys verify --help`/);
  });
});

/** What moto answers a request signed for a region it does not know: Flask's error page, not the AWS protocol. */
const EMULATOR_ERROR_PAGE = (_req: IncomingMessage, res: ServerResponse) =>
  void res.writeHead(500, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n');

describe('a region typo against an emulator', () => {
  for (const [flag, id, variable] of [['--secret-id', 'asc/main', 'AWS_ENDPOINT_URL_SECRETS_MANAGER'], ['--kms-key-id', 'alias/asc/main', 'AWS_ENDPOINT_URL_KMS']] as const) {
    for (const sub of flag === '--secret-id' ? ['show'] : ['show', 'verify']) {
      it(`keys ${sub} ${flag}: AWS_REGION=us-eats-1 is a coded error naming the region and the likely one, not the SDK's deserialisation error`, async () => {
        const emulator = await recorder(EMULATOR_ERROR_PAGE);
        try {
          const typo = await runCli(['keys', sub, flag, id], { env: { ...AWS_ENV, AWS_REGION: 'us-eats-1', AWS_ENDPOINT_URL: emulator.url } });
          assert.equal(typo.code, 2, typo.stderr);
          assert.match(typo.stderr, /\nasc-token: invalid_region: (Secrets Manager|KMS)'s endpoint answered something that is not \1's protocol \(HTTP 500, text\/html\): AWS_REGION "us-eats-1" is not an AWS region name[^\n]*\nhint: set AWS_REGION to the key's region \(us-east-1\?\)/);
          assert.doesNotMatch(typo.stderr, /Deserialization|SyntaxError|Unexpected token/);
          assert.ok(emulator.requests.length > 0 && emulator.requests.every((r) => r.authorization.includes('/us-eats-1/')), 'signed for the region given');
          // A region that is one, and the same page (a proxy, a wrong host): the endpoint is what to check.
          const page = await runCli(['keys', sub, flag, id], { env: { ...AWS_ENV, [variable]: emulator.url } });
          assert.equal(page.code, 1, page.stderr);
          assert.match(page.stderr, /\nasc-token: bad_response: (Secrets Manager|KMS)'s endpoint answered something that is not \1's protocol \(HTTP 500, text\/html\)\nhint: check the endpoint/);
        } finally {
          emulator.stop();
        }
      });
    }
  }
});

describe('keys: what promote and verify say', () => {
  let sm: FakeSecretsManager;
  let env: Record<string, string>;
  before(async () => {
    sm = await new FakeSecretsManager().start();
    env = { ...AWS_ENV, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint };
  });
  after(() => sm.stop());

  it('promote onto a secret that had no AWSCURRENT version: "previous: none", never "key ?"', async () => {
    // As `aws secretsmanager create-secret` without a value leaves it, then `keys import` (AWSPENDING).
    sm.create('asc/fresh', undefined);
    sm.secrets.get('asc/fresh')!.versions.clear();
    sm.put('asc/fresh', secretJson(generateP256(), { keyId: 'NEWKEY0001' }), ['AWSPENDING']);
    const result = await runCli(['keys', 'promote', '--secret-id', 'asc/fresh'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^promoted: AWSCURRENT is now key NEWKEY0001 \(version [0-9a-f-]+\)\nprevious: none \(no version was AWSCURRENT\)\nservices switch/);
    assert.doesNotMatch(result.stdout, /\?|revoke the old key/);
  });

  it('verify --stage pending on a secret that does not exist says so (not "has no AWSPENDING version")', async () => {
    const result = await runCli(['keys', 'verify', '--secret-id', 'asc/missing', '--stage', 'pending'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\nasc-token: secret_not_found: Secrets Manager: Secrets Manager can't find the specified secret\.\nhint: create the secret first/);
    assert.doesNotMatch(result.stderr, /AWSPENDING/);
  });
});

describe('policy check: one bad key', () => {
  it('is reported once, not again as "names no key under keys" for each profile or pool that uses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-rough-policy-'));
    try {
      const caller = 'callers: [arn:aws:iam::111122223333:role/ci]';
      writeFileSync(
        join(dir, 'policy.yaml'),
        `version: 1\nkeys:\n  main: { secretId: "" }\n  second: { secretId: asc/second }\nprofiles:\n  a: { key: main, scope: any, ${caller} }\n  b: { key: main, scope: any, ${caller} }\n  pool: { key: [main, second], scope: any, ${caller} }\n`,
      );
      const result = await runCli(['policy', 'check', 'policy.yaml'], { cwd: dir });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `${join(dir, 'policy.yaml')}: the policy has 1 problem:\n  - keys.main.secretId: must be a Secrets Manager secret name or ARN\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('one hint table: a refusal of the signature gets its own hint in every command', () => {
  let service: TokenService;
  let dir: string;
  before(async () => {
    service = await startTokenService();
    dir = mkdtempSync(join(tmpdir(), 'asc-rough-hints-'));
    await writeIpa(join(dir, 'Example.ipa'));
  });
  after(() => {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exec and upload with a wrong secret access key: exit 3, the hint about the secret key, not "may not use this profile"', async () => {
    const apple = await recorder();
    try {
      const env = { ...DEV_ENV, AWS_SECRET_ACCESS_KEY: 'not-the-secret-of-this-key', ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'testflight-upload', ASC_API_URL: apple.url };
      const results = await Promise.all([runCli(['exec', '--', process.execPath, '-e', 'process.exit(9)'], { env, cwd: dir }), runCli(['upload', 'Example.ipa'], { env, cwd: dir })]);
      for (const [name, result] of [['exec', results[0]], ['upload', results[1]]] as const) {
        assert.equal(result.code, 3, `${name}: ${result.stderr}`);
        assert.match(result.stderr, /asc-token: forbidden: the token service refused: Missing or invalid SigV4 signature: [^\n]*\(request [0-9a-f-]+\)\nhint: The request signature was refused before the service saw it: check that AWS_SECRET_ACCESS_KEY belongs to AWS_ACCESS_KEY_ID/, name);
        assert.doesNotMatch(result.stderr, /may not use this profile/, name);
      }
      assert.deepEqual(apple.requests, [], 'nothing reached Apple');
      assert.deepEqual(service.minted, [], 'no token was minted');
    } finally {
      apple.stop();
    }
  });
});
