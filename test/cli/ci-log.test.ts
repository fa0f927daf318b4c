/**
 * Issue #20, finding 1: CI log injection. Every command of the CLI, fed hostile text where it quotes something from
 * elsewhere (an archive's entry names and Info.plist values, Apple's errors, states and notary log, a token service's
 * refusals and profile lists, Secrets Manager's and KMS's answers, a policy file, a command name), prints nothing
 * GitHub's runner reads as a workflow command — its two parsers ported in test/helpers/runner-commands.ts — on stdout
 * or stderr, and no escape sequence, control character or bidi override; `--output github` still issues its one
 * `::add-mask::`. And the attack of the issue end to end, through the built CLI as a job runs it: an .ipa entry named
 * `Payload/##[stop-commands]pause1.app/Info.plist`, then `asc-token token --output github` in the same job.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import bplistCreator from 'bplist-creator';
import { main } from '../../src/cli/main.ts';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { credentials, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { generateP256 } from '../helpers/keys.ts';
import { trackOutput, trackToken } from '../helpers/leaks.ts';
import { REGISTERED_COMMANDS, commandsIn } from '../helpers/runner-commands.ts';

/** What an attacker puts wherever text is quoted: line ends, both command forms, terminal escapes, a bidi override. */
const EVIL = 'x\n::add-mask::build\r##[stop-commands]pause1\u001b]0;title\u0007\u001b]8;;https://evil.example/\u0007link\u001b]8;;\u0007\u001b[2J\u202eexe.txt\u009b31m\u0085::set-output name=a::b';
/** The same at the start of a text, after white space (the runner trims it before it looks for `::`). */
const EVIL_LEAD = ' \t\u00a0::stop-commands::pause2 ##[add-mask]build';
const UNSAFE_BUT_LF = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;

/** Neither stream holds a command (for any name, and for the runner's names), an escape or a bidi override; `mask` is the one add-mask allowed. */
function assertGuarded(result: { stdout: string; stderr: string }, what: string, mask?: string): void {
  for (const [stream, text] of [['stdout', result.stdout], ['stderr', result.stderr]] as const) {
    const commands = [...commandsIn(text), ...commandsIn(text, { registered: new Set(REGISTERED_COMMANDS) })];
    const unexpected = commands.filter((c) => !(stream === 'stdout' && mask !== undefined && c.form === 'v2' && c.command === 'add-mask' && c.data === mask));
    assert.deepEqual(unexpected.map((c) => c.line), [], `${what}: a workflow command on ${stream}`);
    assert.doesNotMatch(text, UNSAFE_BUT_LF, `${what}: an escape, control or bidi character on ${stream}`);
  }
}

let dir: string;
let tokens: TokenService;
let hostile: Server;
let hostileUrl: string;
/** What the hostile server answers, by path prefix. */
const routes = new Map<string, (url: URL) => { status: number; body: unknown }>();
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-ci-log-'));
  tokens = await startTokenService();
  hostile = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', hostileUrl);
      const route = [...routes.entries()].find(([prefix]) => url.pathname.startsWith(prefix));
      const { status, body } = route ? route[1](url) : { status: 404, body: { errors: [{ status: '404', code: 'NOT_FOUND', title: EVIL, detail: EVIL_LEAD }] } };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  });
  hostile.listen(0, '127.0.0.1');
  await once(hostile, 'listening');
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});
after(() => {
  tokens.close();
  hostile.close();
  hostile.closeAllConnections();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[], env: Record<string, string> = {}, deps: Record<string, unknown> = {}, tty = false) {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { ASC_TOKEN_URL: tokens.url, ...env }, cwd: dir, now: Date.now, stderrIsTTY: tty, columns: 80 },
    { credentials, sleep: async () => {}, ...deps },
  );
  trackOutput(stderr);
  return { code, stdout, stderr };
}

describe('every printer of the CLI, fed hostile text (issue #20, finding 1)', () => {
  it('upload: an .ipa whose entry names and Info.plist values carry commands and escapes (refused before any call)', async () => {
    const cases: Array<[string, Parameters<typeof writeIpa>[1], RegExp]> = [
      ['a `##[` in the app\'s name', { appName: '##[stop-commands]pause1', plist: { ...PLIST, CFBundleVersion: '' } }, /Payload\/# #\[stop-commands\]pause1\.app\/Info\.plist has no CFBundleVersion/],
      ['line ends and escapes in the app\'s name', { appName: 'x\n::add-mask::build\r\u001b]0;t\u0007\u202e', plist: { ...PLIST, CFBundleVersion: '' } }, /has no CFBundleVersion/],
      ['two apps, named with commands', { entries: [{ name: `Payload/${EVIL_LEAD}.app/Info.plist`, data: bplistCreator(PLIST) }, { name: 'Payload/\n::add-mask::build.app/Info.plist', data: bplistCreator(PLIST) }] }, /holds 2 apps under Payload\//],
      ['commands in the version', { plist: { ...PLIST, CFBundleShortVersionString: `1.0${EVIL}` } }, /version ".*" is not one to three period-separated integers/],
      ['commands in the build', { plist: { ...PLIST, CFBundleVersion: EVIL_LEAD } }, /build ".*" is not one to three period-separated integers/],
      ['commands in the bundle ID', { plist: { ...PLIST, CFBundleIdentifier: `##[stop-commands]p${EVIL}` } }, /bundle ID ".*" is not a reverse-DNS identifier/],
      ['a plist that is XML with commands in it', { format: 'xml', plist: { ...PLIST, CFBundleVersion: EVIL } }, /build ".*" is not/],
    ];
    for (const [name, options, expected] of cases) {
      const file = join(dir, 'hostile.ipa');
      await writeIpa(file, options);
      const result = await cli(['upload', 'hostile.ipa', '--profile', 'release'], { ASC_API_URL: hostileUrl });
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, expected, name);
      assertGuarded(result, name);
    }
  });

  it('upload: Apple\'s refusal, its errors quoting commands and escapes', async () => {
    routes.set('/v1/apps', () => ({ status: 403, body: { errors: [{ status: '403', code: `FORBIDDEN${EVIL}`, title: EVIL_LEAD, detail: EVIL, id: EVIL }] } }));
    const ipa = join(dir, 'ok.ipa');
    await writeIpa(ipa);
    const result = await cli(['upload', 'ok.ipa', '--profile', 'release'], { ASC_API_URL: hostileUrl });
    assert.equal(result.code, 6, result.stderr);
    assert.match(result.stderr, /apple_refused: App Store Connect answered GET \/v1\/apps with HTTP 403; Apple says:\n {2}- FORBIDDEN/);
    assertGuarded(result, 'upload refused');
    // On a terminal: the progress bar's redraw (\r ESC [K) and nothing else of the kind.
    const tty = await cli(['upload', 'ok.ipa', '--profile', 'release'], { ASC_API_URL: hostileUrl }, {}, true);
    assert.equal(tty.code, 6, tty.stderr);
    assertGuarded({ stdout: tty.stdout, stderr: tty.stderr.replaceAll('\r\u001b[K', '\n') }, 'upload refused, on a terminal');
    assert.deepEqual(commandsIn(tty.stderr), []);
  });

  it('notarize --status and --log: a submission\'s name, the developer log\'s summary and issues', async () => {
    const id = '2efe2717-52ef-43a5-96dc-0797e4ca1041';
    routes.set(`/notary/v2/submissions/${id}/logs`, () => ({ status: 200, body: { data: { id, type: 'submissionsLog', attributes: { developerLogUrl: `${hostileUrl}/developer-log` } } } }));
    routes.set(`/notary/v2/submissions/${id}`, () => ({ status: 200, body: { data: { id, type: 'submissions', attributes: { status: 'Invalid', name: EVIL, createdDate: '2026-01-01T00:00:00Z' } } } }));
    routes.set('/developer-log', () => ({
      status: 200,
      body: { status: EVIL_LEAD, statusSummary: EVIL, archiveFilename: `##[stop-commands]a${EVIL}`, jobId: EVIL, issues: [{ severity: EVIL_LEAD, code: EVIL, path: EVIL, message: EVIL_LEAD, docUrl: `https://x.example/${EVIL}`, architecture: EVIL }] },
    }));
    const env = { ASC_NOTARY_URL: `${hostileUrl}/notary/v2`, ASC_TOKEN_PROFILE: 'release' };
    const status = await cli(['notarize', '--status', id], env);
    assert.equal(status.code, 6, status.stderr);
    assert.match(status.stdout, /^submission 2efe2717-52ef-43a5-96dc-0797e4ca1041: Invalid — x ::add-mask::build # #\[stop-commands\]pause1 \]0;title {2}\]8;;https:\/\/evil\.example\/ link/);
    assertGuarded(status, 'notarize --status');
    const log = await cli(['notarize', '--log', id], env);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /^ {2}-[ \u00a0]{4}: :stop-commands:… in x ::add-mask::build # #\[stop-commands\]pause1 /m);
    assertGuarded(log, 'notarize --log');
    const json = await cli(['notarize', '--log', id, '--output', 'json'], env);
    assert.equal(json.code, 0, json.stderr);
    assertGuarded(json, 'notarize --log --output json');
  });

  it('token and profiles: a service\'s refusal and profile list', async () => {
    routes.set('/prod/v1/tokens/', () => ({ status: 403, body: { code: 'forbidden', detail: EVIL_LEAD, requestId: 'r-1' } }));
    routes.set('/prod/v1/profiles', () => ({
      status: 200,
      body: { caller: { principal: 'arn:aws:iam::111122223333:role/ci', arn: null, session: EVIL, accountId: null, orgId: null }, profiles: [{ name: 'release', description: EVIL_LEAD, api: 'app-store-connect', key: 'main', scope: 'any', ttl: { default: 600, max: 1200 } }] },
    }));
    const refused = await cli(['token', 'release', '--url', `${hostileUrl}/prod`]);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /^asc-token: forbidden:[ \u00a0]{4}: :stop-commands::pause2 # #\[add-mask\]build \(request r-1\)\n/);
    assertGuarded(refused, 'token refused');
    const profiles = await cli(['profiles', '--url', `${hostileUrl}/prod`]);
    assert.equal(profiles.code, 0, profiles.stderr);
    assertGuarded(profiles, 'profiles');
    for (const output of ['json', 'text']) assertGuarded(await cli(['profiles', '--url', `${hostileUrl}/prod`, '--output', output]), `profiles --output ${output}`);
  });

  it('token --output github: exactly one command, the mask of the token, first', async () => {
    const githubEnv = join(dir, 'github_env');
    writeFileSync(githubEnv, '');
    const result = await cli(['token', 'release', '--output', 'github'], { GITHUB_ENV: githubEnv });
    assert.equal(result.code, 0, result.stderr);
    const token = /^::add-mask::(.+)$/m.exec(result.stdout)?.[1] ?? '';
    trackToken(token);
    assert.deepEqual(commandsIn(result.stdout).map((c) => c.command), ['add-mask']);
    assert.equal(result.stdout.split('\n')[0], `::add-mask::${token}`);
    assertGuarded(result, 'token --output github', token);
  });

  it('keys show: Secrets Manager\'s and KMS\'s answers (a secret\'s name, a key\'s tags)', async () => {
    const sm = await new FakeSecretsManager().start();
    const kms = await new FakeKms().start();
    try {
      // No line break in it: an argument with one is redacted as possible key material (src/cli/redact.ts).
      const name = `asc/${EVIL.replace(/[\n\r]/g, '')}`;
      sm.create(name, 'not json');
      const secretsManager = new SecretsManagerClient({ endpoint: sm.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' }, maxAttempts: 1 });
      const shown = await cli(['keys', 'show', '--secret-id', name], {}, { secretsManager });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^asc\/x::add-mask::build# #\[stop-commands\]pause1 \]0;title/);
      assertGuarded(shown, 'keys show --secret-id');
      const key = kms.importDirectly(kms.createKey(), generateP256().privateKey, { 'AscTokenVending:KeyId': EVIL_LEAD, 'AscTokenVending:IssuerId': EVIL });
      const client = new KMSClient({ endpoint: kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' }, maxAttempts: 1 });
      const kmsShown = await cli(['keys', 'show', '--kms-key-id', key.arn], {}, { kms: client });
      assert.equal(kmsShown.code, 0, kmsShown.stderr);
      assert.match(kmsShown.stdout, /^ {2}identity {5}key[ \u00a0]{4}: :stop-commands::pause2 # #\[add-mask\]build, team key, issuer x ::add-mask::build # #\[stop-commands\]pause1 .* \(from its tags\)$/m);
      assertGuarded(kmsShown, 'keys show --kms-key-id');
    } finally {
      await sm.stop();
      await kms.stop();
    }
  });

  it('policy check, mint and exec: what they quote from a file or an argument', async () => {
    writeFileSync(join(dir, 'policy.yaml'), `version: 1\nkeys:\n  main: { secretId: "asc/main" }\nprofiles:\n  "${EVIL_LEAD}":\n    key: main\n    scope: ["GET /v1/apps${EVIL.replace(/[\n\r\u0085"\\]/g, ' ')}"]\n    callers: ["##[stop-commands]x"]\n`);
    const policy = await cli(['policy', 'check', 'policy.yaml']);
    assert.equal(policy.code, 1, policy.stderr);
    assertGuarded(policy, 'policy check');
    const mint = await cli(['mint', '--p8', `AuthKey_${EVIL_LEAD}.p8`, '--issuer-id', '69a6de70-03db-47e3-e053-5b8c7c11a4d1']);
    assert.equal(mint.code, 2, mint.stderr);
    assertGuarded(mint, 'mint');
    const exec = await cli(['exec', '--profile', 'release', '--', `##[stop-commands]p${EVIL.replace(/[\n\r]/g, '')}`]);
    assert.equal(exec.code, 127, exec.stderr);
    assert.match(exec.stderr, /command not found: # #\[stop-commands\]px::add-mask::build# #\[stop-commands\]pause1 \]0;title/);
    assertGuarded(exec, 'exec');
  });
});
