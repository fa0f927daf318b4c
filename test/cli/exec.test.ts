/**
 * `asc-token exec` in process through main(): COMMAND's exit code passes through, --scope, refusals and short-lived
 * profiles. Tokens come from the local server. The built CLI as a process of its own (the token file kept fresh,
 * signals): test/cli/exec.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV, credentials, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { DEVELOPER_KEY_ID, TEAM_ID, developerSecretJson, generateP256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { startLocalServer } from '../helpers/local-server.ts';
import { createService } from '../helpers/setup.ts';

let service: TokenService;
before(async () => {
  service = await startTokenService();
});
after(() => service.close());

/** main() in process; COMMANDs here print nothing (their stdout would be the test runner's). */
async function cli(argv: string[], env: Record<string, string> = {}) {
  let stderr = '';
  const code = await main(argv, { stdout: () => {}, stderr: (t) => (stderr += t), env: { ASC_TOKEN_URL: service.url, ...env }, cwd: root, now: Date.now }, { credentials });
  trackOutput(stderr);
  return { code, stderr };
}

describe('asc-token exec', () => {

  it('passes COMMAND’s exit code; 127 for a command that does not exist; usage errors', async () => {
    assert.equal((await cli(['exec', '--profile', 'release', '--', process.execPath, '-e', 'process.exit(5)'])).code, 5);
    assert.equal((await cli(['exec', '--profile', 'release', '--', process.execPath, '-e', '0'])).code, 0);
    const missing = await cli(['exec', '--profile', 'release', '--', 'asc-no-such-command-here']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /command not found: asc-no-such-command-here \(ENOENT\)/);
    assert.match((await cli(['exec', '--profile', 'release', 'node'])).stderr, /put the command after --/);
    assert.equal((await cli(['exec', '--', 'node'])).code, 2, 'no profile');
  });

  it('--scope narrows the token; a profile with wildcards needs it (exit 4, with a hint); the refusal stops before COMMAND', async () => {
    const check = `const c = JSON.parse(Buffer.from(process.env.ASC_TOKEN.split('.')[1], 'base64url')); process.exit(JSON.stringify(c.scope) === '["GET /v1/apps/1/builds"]' ? 0 : 1)`;
    assert.equal((await cli(['exec', '--profile', 'wildcards', '--scope', 'GET /v1/apps/1/builds', '--', process.execPath, '-e', check])).code, 0);
    const refused = await cli(['exec', '--profile', 'wildcards', '--', process.execPath, '-e', 'process.exit(9)']);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /asc-token: scope_required: .*\nhint: This profile grants wildcard entries: name the concrete ones with --scope/);
  });

  it('a profile whose tokens live less than ten minutes still runs COMMAND, with a warning', async () => {
    const result = await cli(['exec', '--profile', 'short', '--', process.execPath, '-e', '0']);
    assert.equal(result.code, 0);
    assert.match(result.stderr, /warning: profile short gives tokens valid for 2\d\d s, less than ten minutes: read \$ASC_TOKEN_FILE/);
  });

  it('works for every kind of token: a push (APNs) and a WeatherKit token in ASC_TOKEN and ASC_TOKEN_FILE, each by its kind\'s rules', async () => {
    const caller = 'arn:aws:iam::000000000000:role/ios-release';
    const developer = createService({
      policy: `
version: 1
keys:
  push: { secretId: apple/push, services: [apns, weatherkit] }
profiles:
  push: { key: push, api: apns, callers: [${caller}] }
  weather: { key: push, api: weatherkit, serviceId: com.example.weatherkit-client, callers: [${caller}] }
`,
    });
    writeFileSync(join(developer.dir, 'keys', 'push.json'), developerSecretJson(generateP256()));
    const server = await startLocalServer(developer.handler, [DEV]);
    try {
      // COMMAND checks the token it was given: header and claims of its kind, and the file holding the same token.
      const check = (expected: Record<string, unknown>) =>
        `const t = process.env.ASC_TOKEN; const [h, c] = t.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));` +
        `const want = ${JSON.stringify(expected)}; const got = { kid: h.kid, iss: c.iss, sub: c.sub, aud: c.aud, id: h.id };` +
        `for (const k of Object.keys(want)) if (want[k] !== got[k]) { console.error(k, got[k]); process.exit(1); }` +
        `process.exit(require('fs').readFileSync(process.env.ASC_TOKEN_FILE, 'utf8') === t ? 0 : 2)`;
      const push = await cli(['exec', '--profile', 'push', '--url', server.url, '--', process.execPath, '-e', check({ kid: DEVELOPER_KEY_ID, iss: TEAM_ID, aud: undefined })]);
      assert.equal(push.code, 0, push.stderr);
      const weather = await cli(['exec', '--profile', 'weather', '--url', server.url, '--', process.execPath, '-e', check({ kid: DEVELOPER_KEY_ID, iss: TEAM_ID, sub: 'com.example.weatherkit-client', id: `${TEAM_ID}.com.example.weatherkit-client` })]);
      assert.equal(weather.code, 0, weather.stderr);
      const wrong = await cli(['exec', '--profile', 'push', '--url', server.url, '--', process.execPath, '-e', check({ kid: 'NOTTHEKEY1' })]);
      assert.equal(wrong.code, 1, 'the check in COMMAND can fail');
    } finally {
      server.close();
      developer.cleanup();
    }
  });
});
