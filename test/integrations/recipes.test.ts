/**
 * docs/ci.md's shell recipes, run as a CI job runs them against the local server (the real handler behind SigV4):
 * plain curl with real `curl --aws-sigv4` (long-term keys with and without an empty AWS_SESSION_TOKEN, and
 * temporary credentials), and the GitLab job's script lines with the real CLI. Each must fail the job on error.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { LocalCredential } from '../../src/local/verify.ts';
import { startLocalServer } from '../helpers/local-server.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { createService, type Service } from '../helpers/setup.ts';
import { ROOT, docBlock } from './readme.ts';

const POLICY = `
version: 1
keys:
  main: { secretId: asc/main }
profiles:
  testflight-readonly:
    key: main
    scope: [GET /v1/builds]
    callers: [arn:aws:iam::000000000000:role/local-developer]
  release:
    key: main
    scope: any
    callers: [arn:aws:iam::000000000000:role/local-developer]
`;
const DEV: LocalCredential = { accessKeyId: 'AKIDRECIPES000000001', secretAccessKey: 'recipes+secret/key', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/ci' };
const OUTSIDER: LocalCredential = { accessKeyId: 'AKIDRECIPES000000002', secretAccessKey: 'outsider-secret', principalArn: 'arn:aws:sts::999999999999:assumed-role/outsider/ci' };
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+test/session==';
/** Temporary credentials (as STS hands out), with their session token. */
const OUTSIDER_TEMP: LocalCredential = { accessKeyId: 'ASIARECIPES000000004', secretAccessKey: 'outsider+temporary', sessionToken: SESSION_TOKEN, principalArn: 'arn:aws:sts::999999999999:assumed-role/outsider/ci' };
const TEMP: LocalCredential = { accessKeyId: 'ASIARECIPES000000003', secretAccessKey: 'temporary+secret/key', sessionToken: SESSION_TOKEN, principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/ci' };

let service: Service;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let dir: string;
const seenHeaders: Array<Record<string, string> | null> = [];
before(async () => {
  service = createService({ policy: POLICY });
  server = await startLocalServer(async (event, context) => {
    seenHeaders.push((event as { headers: Record<string, string> | null }).headers);
    return service.handler(event, context);
  }, [DEV, OUTSIDER, TEMP, OUTSIDER_TEMP]);
  dir = mkdtempSync(join(tmpdir(), 'asc-recipes-'));
});
after(() => {
  server.close();
  service.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function bash(script: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    // No stdin, as in CI (a socket on stdin would make Debian's bash read ~/.bashrc), and a HOME of our own.
    const child = spawn('bash', ['-c', script], { env: { HOME: dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      trackOutput(stdout);
      trackOutput(stderr);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

const haveJq = existsSync('/usr/bin/jq') || existsSync('/usr/local/bin/jq');

describe('docs/ci.md: plain curl', { skip: !haveJq && !process.env.CI ? 'jq is not installed (.ci/run installs it)' : false }, () => {
  const block = docBlock('docs/ci.md', 'Plain curl', 'sh');
  // The recipe leaves ASC_TOKEN in the shell; the test reads it from a file the shell writes at the end.
  const run = (credential: LocalCredential, extra: Record<string, string> = {}, script = block) => {
    const out = join(dir, `token-${Math.random().toString(36).slice(2)}`);
    return bash(`${script}printf '%s' "$ASC_TOKEN" > '${out}'\n`, {
      PATH: process.env.PATH ?? '',
      ASC_TOKEN_URL: server.url,
      AWS_ACCESS_KEY_ID: credential.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credential.secretAccessKey,
      ...extra,
    }).then((result) => ({ ...result, token: existsSync(out) ? readFileSync(out, 'utf8') : undefined }));
  };

  it('the block signs with SigV4 for execute-api and asks for a scoped token', () => {
    assert.match(block, /--aws-sigv4 "aws:amz:[a-z0-9-]+:execute-api"/);
    assert.match(block, /set -euo pipefail/);
    assert.doesNotMatch(block, /\beval\b/);
  });

  for (const [name, extra] of [
    ['long-term keys, AWS_SESSION_TOKEN unset', {}],
    ['long-term keys, AWS_SESSION_TOKEN set but empty (as some CI systems leave it)', { AWS_SESSION_TOKEN: '' }],
  ] as const) {
    it(`gets a token with ${name}, sending no security token header`, async () => {
      const before = seenHeaders.length;
      const result = await run(DEV, extra);
      assert.equal(result.code, 0, result.stderr);
      const { payload } = verifyEs256(result.token ?? '', service.key.publicKey);
      assert.deepEqual(payload.scope, ['GET /v1/builds']);
      assert.equal((payload.exp as number) - (payload.iat as number), 600);
      const headers = seenHeaders.slice(before).at(-1) ?? {};
      assert.ok(!Object.keys(headers).some((h) => h.toLowerCase() === 'x-amz-security-token'));
      assert.equal(result.stdout, '', 'the recipe prints nothing, the token least of all');
    });
  }

  it('gets a token with temporary credentials, the session token sent and signed', async () => {
    const before = seenHeaders.length;
    const result = await run(TEMP, { AWS_SESSION_TOKEN: SESSION_TOKEN });
    assert.equal(result.code, 0, result.stderr);
    verifyEs256(result.token ?? '', service.key.publicKey);
    const headers = seenHeaders.slice(before).at(-1) ?? {};
    const sent = Object.entries(headers).find(([h]) => h.toLowerCase() === 'x-amz-security-token')?.[1];
    assert.equal(sent, SESSION_TOKEN);
    assert.match(Object.entries(headers).find(([h]) => h.toLowerCase() === 'authorization')?.[1] ?? '', /SignedHeaders=[^,]*x-amz-security-token/);
  });

  it('long-term keys with a leftover session token are refused, as API Gateway refuses them', async () => {
    const result = await run(DEV, { AWS_SESSION_TOKEN: SESSION_TOKEN });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /security token included in the request is invalid/);
  });

  it('the recipe as it was (an unconditional security token header) fails with long-term keys: the fix is needed', async () => {
    const old = block.replace(/\$\{AWS_SESSION_TOKEN:\+-H "x-amz-security-token: \$AWS_SESSION_TOKEN"\}/, '-H "x-amz-security-token: ${AWS_SESSION_TOKEN:-}"');
    assert.notEqual(old, block);
    const result = await run(DEV, {}, old);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /signed header \\"x-amz-security-token\\" is missing/);
    assert.equal(result.token, undefined);
  });

  it('a refusal stops the script with the problem on stderr and no token', async () => {
    const result = await run(OUTSIDER);
    assert.notEqual(result.code, 0);
    assert.equal(result.token, undefined, 'the line after the failing curl never ran');
    assert.match(result.stderr, /^curl: \(22\) .*403/m);
    assert.equal(JSON.parse(result.stderr.trim().split('\n').at(-1) ?? '').code, 'forbidden');
  });
});

describe('docs/ci.md: GitLab CI', () => {
  const job = (parse(docBlock('docs/ci.md', 'GitLab CI', 'yaml')) as Record<string, { variables: Record<string, string>; script: string[]; id_tokens: Record<string, unknown> }>).testflight!;

  it('sets ASC_TOKEN_URL and the role, takes GitLab\'s OIDC token, and uses neither eval nor export $(…)', () => {
    assert.match(job.variables.ASC_TOKEN_URL ?? '', /^https:\/\/\w+\.execute-api\.[a-z0-9-]+\.amazonaws\.com\/\w+$/);
    assert.match(job.variables.ROLE_ARN ?? '', /^arn:aws:iam::\d{12}:role\//);
    assert.ok(job.id_tokens.AWS_OIDC_TOKEN);
    const script = job.script.join('\n');
    assert.doesNotMatch(script, /\beval\b|export \$\(/);
  });

  // Stand-ins for the two programs that would reach the internet: `aws` (STS) answers like the AWS CLI's
  // `--output text`, `curl` (Apple) records the Authorization header it was given. `asc-token` is the real CLI.
  const stubs = (awsExit: number, credential: LocalCredential) => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const calls = join(bin, 'calls');
    const write = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    write(
      'aws',
      `echo "aws $*" >> '${calls}'
[ "$1 $2" = "sts assume-role-with-web-identity" ] || exit 2
${awsExit === 0 ? `printf '%s\\t%s\\t%s\\n' '${credential.accessKeyId}' '${credential.secretAccessKey}' '${SESSION_TOKEN}'` : `echo 'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized' >&2; exit ${awsExit}`}`,
    );
    write('asc-token', `echo asc-token >> '${calls}'\nexec '${process.execPath}' '${join(ROOT, 'dist/cli.mjs')}' "$@"`);
    write('curl', `for a in "$@"; do case "$a" in Authorization:*) printf '%s\\n' "$a" > '${join(bin, 'authorization')}';; esac; done\necho curl >> '${calls}'`);
    return { bin, calls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []), authorization: () => (existsSync(join(bin, 'authorization')) ? readFileSync(join(bin, 'authorization'), 'utf8').trim() : undefined) };
  };
  // GitLab's bash runner starts the job script with `set -eo pipefail` and runs every line in one shell.
  const runJob = (bin: string) =>
    bash(`set -eo pipefail\n${job.script.join('\n')}\n`, {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      ...job.variables,
      ASC_TOKEN_URL: server.url, // the local server instead of the guide's example API
      CI_JOB_ID: '4242',
      AWS_OIDC_TOKEN: 'gitlab-oidc-jwt',
    });

  it('assumes the role, gets a token with the real CLI and calls Apple with it', async () => {
    const stub = stubs(0, TEMP);
    const result = await runJob(stub.bin);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(stub.calls().map((c) => c.split(' ')[0]), ['aws', 'asc-token', 'curl']);
    assert.match(stub.calls()[0] ?? '', /--role-arn arn:aws:iam::111122223333:role\/gitlab-ios-release --role-session-name gitlab-4242 --web-identity-token gitlab-oidc-jwt/);
    const token = /^Authorization: Bearer (.+)$/.exec(stub.authorization() ?? '')?.[1] ?? '';
    const { payload } = verifyEs256(token, service.key.publicKey);
    assert.equal(payload.aud, 'appstoreconnect-v1');
    assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token));
  });

  it('a failing `aws` fails the job before the CLI runs', async () => {
    const stub = stubs(254, TEMP);
    const result = await runJob(stub.bin);
    assert.notEqual(result.code, 0);
    assert.deepEqual(stub.calls().map((c) => c.split(' ')[0]), ['aws']);
    assert.match(result.stderr, /AccessDenied/);
  });

  it('a refused token fails the job before Apple is called, with the CLI\'s reason', async () => {
    const stub = stubs(0, OUTSIDER_TEMP);
    const result = await runJob(stub.bin);
    assert.equal(result.code, 3, result.stderr);
    assert.deepEqual(stub.calls().map((c) => c.split(' ')[0]), ['aws', 'asc-token']);
    assert.match(result.stderr, /^asc-token: forbidden: You are not allowed to use this profile/m);
  });
});
