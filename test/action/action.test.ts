/**
 * The GitHub Action, run as the runner runs it: `node action/index.mjs` (the committed bundle) with its inputs as
 * `INPUT_*` variables and the runner's GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE files, against the local server
 * (the real handler behind SigV4) — and against a hostile server that tries to smuggle lines into those files and
 * workflow commands into the log. Also: the committed bundle is what the sources build to, and action.yml
 * declares what the entry reads and writes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { ACTION_BUNDLE, ROOT, actionBuildOptions } from '../../scripts/build-action.ts';
import type { LocalCredential } from '../../src/local/verify.ts';
import { startLocalServer } from '../helpers/local-server.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { trackOutput, trackToken } from '../helpers/leaks.ts';
import { REGISTERED_COMMANDS, commandsIn } from '../helpers/runner-commands.ts';
import { createService, type Service } from '../helpers/setup.ts';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEV: LocalCredential = { accessKeyId: 'ASIAACTION0000000001', secretAccessKey: 'action-secret', sessionToken: 'FwoGZXIvYXdzEBYaD-session', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/gha' };

let service: Service;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let dir: string;
before(async () => {
  service = createService();
  server = await startLocalServer(service.handler, [DEV]);
  dir = mkdtempSync(join(tmpdir(), 'asc-action-'));
});
after(() => {
  server.close();
  service.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Parse a GITHUB_OUTPUT / GITHUB_ENV file as the runner does: `NAME=value` lines and `NAME<<DELIMITER` blocks. */
function parseFileCommands(text: string): Array<[string, string]> {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const out: Array<[string, string]> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2] as string, i + 1);
      assert.ok(end > i, `unterminated ${line}`);
      out.push([heredoc[1] as string, lines.slice(i + 1, end).join('\n')]);
      i = end;
    } else {
      const eq = line.indexOf('=');
      assert.ok(eq > 0, `not a file command line: ${JSON.stringify(line)}`);
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

interface Step {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Array<[string, string]>;
  env: Array<[string, string]>;
  state: string;
  output: Record<string, string>;
}

let runs = 0;
/** One step: the runner's environment (inputs, files, the credentials configure-aws-credentials exports). */
async function step(inputs: Record<string, string | undefined>, extraEnv: Record<string, string | undefined> = {}): Promise<Step> {
  const n = ++runs;
  const files = { GITHUB_OUTPUT: join(dir, `output-${n}`), GITHUB_ENV: join(dir, `env-${n}`), GITHUB_STATE: join(dir, `state-${n}`) };
  for (const file of Object.values(files)) writeFileSync(file, '');
  writeFileSync(files.GITHUB_ENV, 'EARLIER=kept\n');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: dir,
    ...files,
    AWS_ACCESS_KEY_ID: DEV.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEV.secretAccessKey,
    AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEBYaD-session',
    AWS_REGION: 'eu-west-1',
  };
  for (const [name, value] of Object.entries(inputs)) if (value !== undefined) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(extraEnv)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, [join(ROOT, ACTION_BUNDLE)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number];
  trackOutput(stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'));
  trackOutput(stderr);
  const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
  const envLines = parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8'));
  return { code, stdout, stderr, outputs, env: envLines, state: readFileSync(files.GITHUB_STATE, 'utf8'), output: Object.fromEntries(outputs) };
}

const noWrites = (result: Step) => {
  assert.deepEqual(result.outputs, []);
  assert.deepEqual(result.env, [['EARLIER', 'kept']]);
  assert.equal(result.state, '');
};
const errorLine = (result: Step) => /^::error title=asc-token-vending::(.*)$/m.exec(result.stdout)?.[1] ?? '';
const noticeLine = (result: Step) => /^::notice title=asc-token-vending hint::(.*)$/m.exec(result.stdout)?.[1] ?? '';

describe('action.yml and its bundle', () => {
  it('declares the inputs and outputs the entry reads and writes, on a current Node runtime', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      name: string;
      description: string;
      inputs: Record<string, { description: string; required?: boolean }>;
      outputs: Record<string, { description: string }>;
      runs: { using: string; main: string };
    };
    assert.ok(action.name && action.description);
    assert.deepEqual(Object.keys(action.inputs), ['profile', 'url', 'scope', 'ttl', 'client-id']);
    assert.deepEqual(Object.keys(action.outputs), ['token', 'expires-at', 'url']);
    for (const entry of [...Object.values(action.inputs), ...Object.values(action.outputs)]) assert.ok(entry.description);
    assert.equal(action.runs.using, 'node24');
    assert.equal(action.runs.main, ACTION_BUNDLE);
  });

  it('the committed bundle is what `npm run build:action` makes from the sources (rebuild and compare)', async () => {
    const fresh = join(dir, 'index.mjs');
    await build(actionBuildOptions(fresh));
    const committed = readFileSync(join(ROOT, ACTION_BUNDLE), 'utf8');
    assert.ok(committed === readFileSync(fresh, 'utf8'), `${ACTION_BUNDLE} is stale: run \`npm run build:action\` and commit it`);
  });

});

describe('the entry, run as the runner runs it, against the local server', () => {
  it('masks the token first, then writes the outputs and ASC_TOKEN for later steps', async () => {
    const result = await step({ profile: 'ci', url: server.url, scope: 'GET /v1/builds\n  GET /v1/apps/42/builds  \n\n', ttl: '300' });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const token = result.output.token ?? '';
    trackToken(token);
    const lines = result.stdout.split('\n').filter(Boolean);
    assert.equal(lines[0], `::add-mask::${token}`, 'the mask is the first thing the step prints');
    assert.ok(lines.slice(1).every((line) => !line.includes(token)), 'the token appears in no other log line');
    assert.match(lines[1] ?? '', /^Token for profile ci, key 2X9R4HXF34, expires \d{4}-.*Z, sha256 [0-9a-f]{12}…/);
    const { payload } = verifyEs256(token, service.key.publicKey);
    assert.deepEqual(payload.scope, ['GET /v1/builds', 'GET /v1/apps/42/builds']);
    assert.equal((payload.exp as number) - (payload.iat as number), 300);
    assert.deepEqual(result.outputs.map(([name]) => name), ['token', 'expires-at', 'url']);
    assert.equal(result.output.url, server.url, 'the url that served');
    assert.equal(Date.parse(result.output['expires-at'] ?? '') / 1000, payload.exp);
    assert.deepEqual(result.env, [
      ['EARLIER', 'kept'],
      ['ASC_TOKEN', token],
      ['ASC_TOKEN_EXPIRES_AT', result.output['expires-at']],
    ]);
    assert.equal(result.state, '');
    assert.equal(result.stderr, '');
    const audit = service.logs.audits().filter((r) => r.event === 'token.decision').at(-1);
    assert.equal(audit?.userAgent, `asc-token/${VERSION} (github-action)`);
    assert.equal(audit?.session, 'gha');
  });

  it('unset optional inputs (empty, as the runner passes them) mean the profile\'s defaults; url and profile fall back to ASC_TOKEN_URL / ASC_TOKEN_PROFILE', async () => {
    const result = await step({ profile: '', url: '', scope: '', ttl: '' }, { ASC_TOKEN_URL: server.url, ASC_TOKEN_PROFILE: 'release' });
    assert.equal(result.code, 0, result.stdout);
    const { payload } = verifyEs256(result.output.token ?? '', service.key.publicKey);
    assert.equal(payload.scope, undefined);
    assert.equal((payload.exp as number) - (payload.iat as number), 600);
  });

  it('a refusal fails the step with the service\'s code and detail, the hint for its reason, and writes nothing', async () => {
    const result = await step({ profile: 'other-team', url: server.url });
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /^forbidden: You are not allowed to use this profile\..*\(request [0-9a-f-]{36}\)$/);
    assert.match(noticeLine(result), /asc-token profiles/);
    noWrites(result);
  });

  it('a bad signature gets the signature hint, not `asc-token profiles`', async () => {
    const result = await step({ profile: 'release', url: server.url }, { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    assert.equal(result.code, 1);
    assert.match(errorLine(result), /^forbidden: Missing or invalid SigV4 signature: the request signature does not match/);
    assert.match(noticeLine(result), /signature was refused before the service saw it/);
    noWrites(result);
  });

  it('other refusals carry the service\'s code: scope_not_allowed, ttl_out_of_range', async () => {
    const scope = await step({ profile: 'ci', url: server.url, scope: 'GET /v1/users' });
    assert.match(errorLine(scope), /^scope_not_allowed: /);
    const ttl = await step({ profile: 'ci', url: server.url, scope: 'GET /v1/builds', ttl: '5000' });
    assert.match(errorLine(ttl), /^ttl_out_of_range: /);
    noWrites(scope);
    noWrites(ttl);
  });

  it('refuses before any request: no credentials, an http URL off loopback, bad inputs, no runner files', async () => {
    const cases: Array<[string, Record<string, string | undefined>, Record<string, string | undefined>, RegExp]> = [
      ['no credentials', { profile: 'release', url: server.url }, { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined }, /^no AWS credentials in the environment/],
      ['http off loopback', { profile: 'release', url: 'http://tokens.example.com/prod' }, {}, /^`url`: the service URL must be https: \(http: is accepted only on loopback, for the local server\), not http:\/\/tokens\.example\.com$/],
      ['credentials in the URL', { profile: 'release', url: 'https://user:pw@abc.execute-api.eu-west-1.amazonaws.com/prod' }, {}, /must not carry a user name or password/],
      ['not a URL', { profile: 'release', url: 'abc.execute-api' }, {}, /^`url`: the service URL is not a URL$/],
      ['no URL', { profile: 'release' }, {}, /^no service URL/],
      ['no profile', { url: server.url }, {}, /^no profile/],
      ['a profile with a newline', { profile: 'release\n::set-output name=token::x', url: server.url }, {}, /^`profile` must be a profile name/],
      ['a ttl that is not a number', { profile: 'release', url: server.url, ttl: '10m' }, {}, /^`ttl` must be a whole number of seconds/],
      ['no GITHUB_OUTPUT', { profile: 'release', url: server.url }, { GITHUB_OUTPUT: undefined }, /GITHUB_OUTPUT and GITHUB_ENV are not set/],
    ];
    const before = service.logs.audits().length;
    for (const [name, inputs, env, expected] of cases) {
      const result = await step(inputs, env);
      assert.equal(result.code, 1, name);
      assert.match(errorLine(result), expected, name);
      assert.doesNotMatch(result.stdout, /::add-mask::|^::set-output/m, name);
      if (env.GITHUB_OUTPUT === undefined && 'GITHUB_OUTPUT' in env) continue;
      noWrites(result);
    }
    assert.equal(service.logs.audits().length, before, 'none of them reached the service');
  });
});

describe('against a hostile server', () => {
  let hostile: Server;
  let hostileUrl: string;
  let answer: { status: number; body: string } = { status: 200, body: '{}' };
  before(async () => {
    hostile = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    hostile.listen(0, '127.0.0.1');
    await once(hostile, 'listening');
    hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}/prod`;
  });
  after(() => {
    hostile.close();
    hostile.closeAllConnections();
  });

  const GOOD = `eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.${Buffer.alloc(64, 7).toString('base64url')}`;
  /** A token response of the documented shape (what the real service sends), with `fields` changed. */
  const answerWith = (fields: Record<string, unknown> = {}) => {
    const token = typeof fields.token === 'string' ? fields.token : GOOD;
    return {
      token: GOOD, tokenType: 'Bearer', profile: 'release', keyId: '2X9R4HXF34', audience: 'appstoreconnect-v1', scope: null,
      issuedAt: '2030-01-01T00:00:00Z', expiresAt: '2030-01-01T00:10:00Z', expiresIn: 570, refreshAfter: '2030-01-01T00:08:00Z',
      tokenSha256: createHash('sha256').update(token).digest('hex'),
      ...fields,
    };
  };
  const respond = (status: number, body: unknown) => (answer = { status, body: typeof body === 'string' ? body : JSON.stringify(body) });
  /**
   * Read as the runner reads it (its two parsers, ported: test/helpers/runner-commands.ts), the log holds only the
   * commands the Action issues — its error and hint, and the mask of a token it accepted — and no escape sequence,
   * control character or bidi override; stderr holds nothing the runner reads as a command either.
   */
  const onlyOwnCommands = (result: Step, maskOf?: string) => {
    for (const parsed of [...commandsIn(result.stdout), ...commandsIn(result.stdout, { registered: new Set(REGISTERED_COMMANDS) })]) {
      const own =
        (parsed.form === 'v2' && parsed.command === 'error' && parsed.properties.title === 'asc-token-vending') ||
        (parsed.form === 'v2' && parsed.command === 'notice' && parsed.properties.title === 'asc-token-vending hint') ||
        (parsed.form === 'v2' && parsed.command === 'add-mask' && maskOf !== undefined && parsed.data === maskOf);
      assert.ok(own, `a command the Action does not mean: ${JSON.stringify(parsed.line)}`);
    }
    assert.deepEqual(commandsIn(result.stderr), []);
    assert.doesNotMatch(result.stdout, /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u, 'an escape, control or bidi character in the log');
  };

  for (const [name, body, expected] of [
    ['a token with a newline and a variable after it', answerWith({ token: `${GOOD}\nINJECTED=1` }), /"token" is not a JWT/],
    ['a token that ends a heredoc and starts another', answerWith({ token: `${GOOD}\nghadelimiter_x\nPATH<<EOF\n/evil\nEOF` }), /"token" is not a JWT/],
    ['a token outside the JWT alphabet', answerWith({ token: `${GOOD}%0A::warning::x` }), /"token" is not a JWT/],
    ['an expiresAt with a line after it', answerWith({ expiresAt: '2030-01-01T00:10:00Z\nNODE_OPTIONS=--require=/tmp/evil.js' }), /"expiresAt" is not an ISO 8601 UTC time/],
    ['an expiresAt that is not a date', answerWith({ expiresAt: '2030-13-45T99:99:99Z' }), /"expiresAt" is not an ISO 8601 UTC time/],
    ['a keyId with a workflow command in it', answerWith({ keyId: '2X9R4HXF34\n::set-output name=token::x' }), /"keyId" is not an App Store Connect key ID/],
    ['a tokenSha256 that is not the token\'s', answerWith({ tokenSha256: '0'.repeat(64) }), /"tokenSha256" is not the token's SHA-256/],
    ['no token at all', answerWith({ token: undefined }), /"token" is not a JWT/],
    ['a token that is not a string', answerWith({ token: 12345 }), /"token" is not a JWT/],
    ['a body that is not JSON', '<html>hello</html>', /the answer is not a JSON object/],
  ] as const) {
    it(`${name}: nothing is written or masked, the step fails, no command is smuggled into the log`, async () => {
      respond(200, body);
      const result = await step({ profile: 'release', url: hostileUrl });
      assert.equal(result.code, 1, result.stdout);
      assert.match(errorLine(result), /^bad_response: refused the service's answer: /);
      assert.match(errorLine(result), expected);
      noWrites(result);
      onlyOwnCommands(result);
      // An answer that is not a token is not masked: what it calls a token could be any word of the job's log.
      assert.doesNotMatch(result.stdout, /::add-mask::/);
    });
  }

  it('a 200 whose "token" is words of the log ("build", "com.example.app", a JWT\'s shape but not a token): refused before anything is masked (issue #20, finding 6)', async () => {
    const sig = Buffer.alloc(64, 1).toString('base64url');
    for (const token of ['build', 'com.example.app', '10.15.12', `YnVpbGQ.YnVpbGQ.${sig}`, `eyJhbGciOiJub25lIn0.eyJleHAiOjF9.${sig}`, `eyJhbGciOiJFUzI1NiJ9.WzFd.${sig}`]) {
      respond(200, answerWith({ token }));
      const result = await step({ profile: 'release', url: hostileUrl });
      assert.equal(result.code, 1, result.stdout);
      assert.match(errorLine(result), /"token" is not a JWT/);
      assert.deepEqual(commandsIn(result.stdout).filter((c) => c.command === 'add-mask'), [], `${token} would be masked for the rest of the job`);
      noWrites(result);
    }
  });

  it('a refusal with escape sequences, an OSC 8 link, a bidi override and a `##[` in its texts: one printable line inside the Action\'s ::error (issue #20, finding 6)', async () => {
    respond(403, {
      code: 'forbidden\u001b[2J',
      detail: 'denied \u001b]8;;https://evil.example/\u0007click here\u001b]8;;\u0007 \u202etxt.exe ##[stop-commands]pause1 \u009b2J\u001b]0;title\u0007',
      requestId: 'r-1\u001b[31m',
    });
    const result = await step({ profile: 'release', url: hostileUrl });
    assert.equal(result.code, 1);
    onlyOwnCommands(result);
    assert.equal(errorLine(result), 'http_403: denied  ]8;;https://evil.example/ click here ]8;;   txt.exe # #[stop-commands]pause1  2J ]0;title ');
    // The hint is the package's own text for a 403, never a word of the answer's.
    assert.doesNotMatch(noticeLine(result), /evil|stop-commands|title|txt\.exe|[\u001b\u009b\u202e]/);
    noWrites(result);
  });

  it('a refusal whose detail carries workflow commands: they stay inside the ::error, on its one line', async () => {
    respond(403, { code: 'forbidden\n::add-mask::x', detail: 'no\n::set-env name=NODE_OPTIONS::--require=/tmp/evil.js\r\n::stop-commands::abc', requestId: 'r\n::warning::w' });
    const result = await step({ profile: 'release', url: hostileUrl });
    assert.equal(result.code, 1);
    onlyOwnCommands(result);
    assert.equal(errorLine(result), 'http_403: no ::set-env name=NODE_OPTIONS::--require=/tmp/evil.js  ::stop-commands::abc');
    noWrites(result);
  });

  it('a well-formed answer from it is accepted (the checks are on shape, not on who answered)', async () => {
    respond(200, answerWith());
    const result = await step({ profile: 'release', url: hostileUrl });
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(result.output, { token: GOOD, 'expires-at': '2030-01-01T00:10:00Z', url: hostileUrl });
    onlyOwnCommands(result, GOOD);
    assert.equal(result.stdout.split('\n')[0], `::add-mask::${GOOD}`, 'masked before anything else is printed');
  });
});
