/**
 * The fastlane token provider (integrations/fastlane/asc_token_vending.rb) under Debian's Ruby, driven by a
 * stand-in for Spaceship (test/integrations/fastlane/spaceship_standin.rb) that calls it the way Spaceship's
 * client, its token refresh middleware and deliver/pilot's upload set-up do, with the real CLI (dist/cli.mjs)
 * against the local server, and App Store Connect faked on loopback (it checks each bearer token's signature).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LocalCredential } from '../../src/local/verify.ts';
import { closedUrl, startLocalServer } from '../helpers/local-server.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { createService, type Service } from '../helpers/setup.ts';
import { ROOT, codeBlocks, docBlock } from './readme.ts';

const ruby = spawnSync('ruby', ['-v'], { encoding: 'utf8' });
const RUBY_MISSING = ruby.status !== 0 ? 'ruby is not installed (apt-get install -y ruby; .ci/run installs it)' : false;
// CI installs Ruby: there a missing ruby is a failure, not a skip.
if (RUBY_MISSING && process.env.CI) throw new Error(RUBY_MISSING);

const PROVIDER = join(ROOT, 'integrations/fastlane/asc_token_vending.rb');
const STANDIN = join(ROOT, 'test/integrations/fastlane/spaceship_standin.rb');
const POLICY = `
version: 1
keys:
  main: { secretId: asc/main }
profiles:
  release:
    key: main
    scope: any
    callers: [arn:aws:iam::000000000000:role/local-developer]
  enterprise:
    key: main
    api: enterprise
    scope: any
    callers: [arn:aws:iam::000000000000:role/local-developer]
  other-team:
    key: main
    scope: any
    callers: [arn:aws:iam::999999999999:role/someone-else]
`;
const DEV: LocalCredential = { accessKeyId: 'AKIDFASTLANE00000001', secretAccessKey: 'fastlane-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/fastlane' };
const sha16 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

let service: Service;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let apple: Server;
let appleUrl: string;
let dir: string;
let downUrl: string;
/** Every request the fake App Store Connect accepted: the hash of the token it carried and the status. */
const appleSeen: Array<{ path: string; token: string; status: number }> = [];

before(async () => {
  service = createService({ policy: POLICY });
  server = await startLocalServer(service.handler, [DEV]);
  downUrl = await closedUrl();
  dir = mkdtempSync(join(tmpdir(), 'asc-fastlane-'));
  let revoked: string | undefined;
  apple = createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    let status = 200;
    try {
      verifyEs256(token, service.key.publicKey);
    } catch {
      status = 401;
    }
    // `?revoke=1`: the token of the first such request is revoked from then on, as Apple refuses a revoked key's
    // tokens (or one it considers expired): 401 until the client comes with another token.
    if (status === 200 && req.url?.includes('revoke=1')) revoked ??= token;
    if (token === revoked) status = 401;
    appleSeen.push({ path: req.url ?? '', token: sha16(token), status });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 ? '{"data":[]}' : '{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"Authentication credentials are missing or invalid."}]}');
  });
  apple.listen(0, '127.0.0.1');
  await once(apple, 'listening');
  appleUrl = `http://127.0.0.1:${(apple.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  apple.close();
  apple.closeAllConnections();
  service.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

type Report = Record<string, any> & { scenario: string };

async function standIn(scenarios: string[], env: Record<string, string> = {}): Promise<{ code: number; reports: Map<string, Report>; stderr: string }> {
  const child = spawn('ruby', [STANDIN, ...scenarios], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      PROVIDER,
      ASC_TOKEN_CLI: join(ROOT, 'dist/cli.mjs'),
      ASC_TOKEN_URL: server.url,
      ASC_TOKEN_PROFILE: 'release',
      AWS_ACCESS_KEY_ID: DEV.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DEV.secretAccessKey,
      AWS_REGION: 'eu-west-1',
      FAKE_APPLE: appleUrl,
      CLOSED_URL: downUrl,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number];
  trackOutput(stdout);
  trackOutput(stderr);
  const reports = new Map(stdout.split('\n').filter(Boolean).map((line) => [(JSON.parse(line) as Report).scenario, JSON.parse(line) as Report]));
  return { code, reports, stderr };
}

const issued = () => service.logs.audits().filter((r) => r.event === 'token.decision' && r.decision === 'issued');

describe('fastlane: AscTokenVending::SpaceshipToken as Spaceship uses it', { skip: RUBY_MISSING }, () => {
  let run: Awaited<ReturnType<typeof standIn>>;
  let issuedBefore: number;
  before(async () => {
    issuedBefore = issued().length;
    run = await standIn(['spaceship', 'enterprise']);
  });
  const report = (name: string) => {
    const found = run.reports.get(name);
    assert.ok(found, `no report for ${name}; stderr: ${run.stderr}`);
    return found;
  };

  it('the stand-in ran every scenario without an error', () => {
    assert.equal(run.code, 0, run.stderr);
  });

  it('Spaceship::ConnectAPI.token = … gets a team token: in_house false, key and issuer IDs, duration and expiration', () => {
    const set = report('set');
    assert.equal(set.in_house, false);
    assert.equal(set.hostname, 'https://api.appstoreconnect.apple.com/');
    assert.equal(set.key_id, '2X9R4HXF34');
    assert.equal(set.issuer_id, '57246542-96fe-1a63-e053-0824d011072a');
    assert.equal(set.duration, 600);
    assert.ok(Date.parse(set.refresh_after) < Date.parse(set.expiration));
    assert.equal(set.expired, false);
    assert.doesNotMatch(set.inspect, /eyJ/, 'inspect shows no token');
  });

  it('the middleware sends it as a bearer token Apple accepts, without refreshing a fresh token', () => {
    const get = report('get');
    assert.equal(get.status, '200');
    assert.equal(get.refreshes, 0);
    assert.ok(appleSeen.some((r) => r.token === get.text && r.status === 200));
  });

  it('past refreshAfter, expired? is true and the middleware\'s refresh! runs the CLI for a new token', () => {
    const expiry = report('expiry');
    assert.equal(expiry.expired_before, true);
    assert.equal(expiry.status, '200');
    assert.notEqual(expiry.after, expiry.before);
    assert.equal(expiry.refreshes, 1);
    assert.equal(expiry.expired_after, false);
  });

  it('after a 401 the client\'s refresh! gets a new token and the retry succeeds', () => {
    const unauthorized = report('unauthorized');
    assert.equal(unauthorized.status, '200');
    assert.equal(unauthorized.retries, 1);
    assert.notEqual(unauthorized.after, unauthorized.before);
    const revoked = appleSeen.filter((r) => r.path.includes('revoke=1'));
    assert.deepEqual(revoked.map((r) => r.status), [401, 200]);
  });

  it('six threads finding the token expired share one CLI run', () => {
    const concurrent = report('concurrent');
    assert.deepEqual(concurrent.statuses, ['200']);
    assert.notEqual(concurrent.after, concurrent.before);
  });

  it('tokens came from the service, one per refresh: 1 + expiry + 401 + one for six threads + enterprise', () => {
    // refresh_fails reached no server, so it issued nothing.
    assert.equal(issued().length - issuedBefore, 5);
    assert.ok(issued().slice(issuedBefore).every((r) => String(r.userAgent).startsWith('asc-token/')));
  });

  it('deliver/pilot setting up a binary upload (key_raw into AuthKey_KEYID.p8) stop at key_raw with a clear error, and no key file is written', () => {
    const transporter = report('transporter');
    assert.equal(transporter.upload.class, 'AscTokenVending::Error');
    assert.match(transporter.upload.message, /binary uploads through altool or Transporter .* need the key itself\. Upload the binary with `asc-token upload`/);
    assert.equal(transporter.key_file, false, 'no (empty) AuthKey file left for altool');
    assert.equal(transporter.write_key.class, 'AscTokenVending::Error');
    assert.equal(transporter.write_key.message, transporter.upload.message);
  });

  it('a refresh that fails raises and leaves the token Spaceship holds in place', () => {
    const failed = report('refresh_fails');
    assert.equal(failed.error.class, 'AscTokenVending::Error');
    assert.match(failed.error.message, /^`asc-token token release` failed \(exit 5\): asc-token: unavailable: cannot reach/);
    assert.equal(failed.kept, true);
  });

  it('an Enterprise profile\'s token says in_house, so Spaceship uses the Enterprise API host', () => {
    const enterprise = report('enterprise');
    assert.equal(enterprise.in_house, true);
    assert.equal(enterprise.hostname, 'https://api.enterprise.developer.apple.com/');
  });
});

describe('fastlane: failures are clear errors without a token in them', { skip: RUBY_MISSING }, () => {
  let run: Awaited<ReturnType<typeof standIn>>;
  const pwned = () => join(dir, 'pwned');
  before(async () => {
    // A CLI that fails and prints a token-shaped string on stderr: the error must not carry it.
    const leaky = join(dir, 'leaky-cli');
    writeFileSync(leaky, '#!/bin/sh\necho "asc-token: boom eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4eHh4In0.c2lnbmF0dXJlc2lnbmF0dXJl" >&2\nexit 1\n');
    chmodSync(leaky, 0o755);
    run = await standIn(['failures'], { LEAKY_CLI: leaky, PWNED: pwned() });
  });
  const error = (name: string) => {
    const found = run.reports.get(name)?.error;
    assert.ok(found, `no error reported for ${name}; stderr: ${run.stderr}`);
    return found as { class: string; message: string };
  };

  it('a refused profile: the CLI\'s exit code, code and hint', () => {
    assert.equal(run.code, 0, run.stderr);
    const refused = error('refused');
    assert.equal(refused.class, 'AscTokenVending::Error');
    assert.match(refused.message, /^`asc-token token other-team` failed \(exit 3\): asc-token: forbidden: You are not allowed to use this profile\..*\nhint: /s);
  });

  it('no profile: an ArgumentError naming ASC_TOKEN_PROFILE', () => {
    assert.deepEqual(error('no_profile'), { class: 'ArgumentError', message: 'AscTokenVending::SpaceshipToken needs a profile: pass profile: or set ASC_TOKEN_PROFILE' });
  });

  it('a profile with shell syntax reaches the CLI as one argument: refused, and nothing is run', () => {
    assert.match(error('shell').message, /^`asc-token token release; touch .*` failed \(exit 3\)/);
    assert.equal(run.reports.get('shell')?.pwned, false);
    assert.equal(existsSync(pwned()), false);
  });

  it('no CLI: says how to install it or where to point ASC_TOKEN_CLI', () => {
    assert.match(error('missing_cli').message, /^cannot run "\/nonexistent\/asc-token" \(ENOENT\): install asc-token-vending \(asc-token on PATH\) or set ASC_TOKEN_CLI/);
  });

  it('a CLI that prints something else: not JSON, and the output is not repeated', () => {
    assert.match(error('not_json').message, /printed something that is not JSON/);
    assert.doesNotMatch(error('not_json').message, /--output json\s*$/m);
  });

  it('a CLI whose error output holds a token-shaped string: redacted in the message', () => {
    const leaky = error('leaky_cli');
    assert.match(leaky.message, /failed \(exit 1\): asc-token: boom \[redacted\]$/);
    assert.doesNotMatch(leaky.message, /eyJ/);
  });
});

describe('fastlane: what docs/fastlane.md and the package give users', () => {
  it('the provider is shipped in the npm package', () => {
    const files = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] }).files;
    assert.ok(files.includes('integrations'), 'package.json files lists integrations');
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const paths = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
    assert.ok(paths.includes('integrations/fastlane/asc_token_vending.rb'), paths.join(', '));
  });

  it('docs/fastlane.md\'s Fastfile is Ruby that loads the provider from the installed package and sets the token', { skip: RUBY_MISSING }, () => {
    const fastfile = docBlock('docs/fastlane.md', 'fastlane', 'ruby');
    assert.match(fastfile, /require_relative '\.\.\/node_modules\/asc-token-vending\/integrations\/fastlane\/asc_token_vending'/);
    assert.match(fastfile, /Spaceship::ConnectAPI\.token = AscTokenVending::SpaceshipToken\.new\(profile: /);
    for (const action of ['match', 'upload_to_testflight', 'deliver', 'cert', 'sigh']) assert.match(fastfile, new RegExp(`\\b${action}\\(`), action);
    assert.doesNotMatch(fastfile, /api_key(_path)?:/, 'an api_key option would take precedence over the vended token');
    const file = join(dir, 'Fastfile');
    writeFileSync(file, fastfile);
    const check = spawnSync('ruby', ['-wc', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.equal(codeBlocks(join(ROOT, 'docs/fastlane.md')).filter((b) => b.lang === 'ruby').length, 1, 'one Fastfile in the guide');
  });
});
