/**
 * The CLI's entry as built (dist/cli.mjs): --version, help, and the split between the one-file CI path (`token`,
 * `profiles`) and the commands loaded from dist/lib/ when they run, whose errors main.ts must still recognise
 * (they carry their own copy of io.ts's classes). main() in process: test/cli/main.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { COMMAND_NAMES, listsCommand } from './commands.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cliFile = join(root, 'dist/cli.mjs');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await promisify(execFile)(process.execPath, [cliFile, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
  trackOutput(result.stdout);
  trackOutput(result.stderr);
  return result;
}

describe('asc-token (dist/cli.mjs)', () => {
  it('--version prints the package version alone', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await cli([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it('--help shows every command’s usage, each from its own module; no command shows it on stderr with exit 2', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    for (const name of COMMAND_NAMES) assert.ok(listsCommand(help.stdout, name), `--help lacks ${name}`);
    assert.ok(help.stdout.includes('asc-token --version'));
    const bare = await cli([]);
    assert.equal(bare.code, 2);
    assert.equal(bare.stderr, help.stdout);
  });

  it('COMMAND --help shows that command’s usage only', async () => {
    const keys = await cli(['keys', '--help']);
    assert.equal(keys.code, 0);
    assert.match(keys.stdout, /^usage: asc-token keys import/);
    assert.ok(!keys.stdout.includes('asc-token token'));
    const promote = await cli(['keys', 'promote', '--help']);
    assert.match(promote.stdout, /^usage: asc-token keys promote --secret-id ID \[--force\]\n\n/);
    const token = await cli(['token', '--help']);
    assert.match(token.stdout, /^usage: asc-token token PROFILE/);
  });

  it('recognises the usage errors and coded errors of a command loaded from dist/lib/', async () => {
    const usage = await cli(['keys', 'show']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^asc-token: --secret-id ID is required.*\nusage: asc-token keys show --secret-id ID\n.*\nrun `asc-token keys show --help`/);
    const coded = await cli(['mint', '--p8', '/nonexistent/AuthKey_ABCDEFGHIJ.p8', '--individual']);
    assert.equal(coded.code, 1);
    assert.equal(coded.stderr, 'asc-token: file_unreadable: cannot read --p8 "/nonexistent/AuthKey_ABCDEFGHIJ.p8": no such file\nhint: pass the path of the AuthKey_KEYID.p8 file downloaded from App Store Connect (Users and Access → Integrations)\n');
  });

  it('an unknown command: exit 2, pointing at --help', async () => {
    const result = await cli(['tokens']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'asc-token: unknown command "tokens"\nrun asc-token --help\n');
  });

  it('token and profiles run from dist/cli.mjs alone; every other command is a file in dist/lib/ imported when it runs', () => {
    const text = readFileSync(cliFile, 'utf8');
    // Static imports are of node's built-ins only (loaded with require: scripts/build-options.ts, builtinsByRequire).
    assert.deepEqual(text.match(/(?:^|[;\s])import\s*(?:[\w{][^;]*?from\s*)?["'][^"']+["']/gm)?.map((s) => s.trim()), ["import { createRequire as __createRequire } from 'node:module'"]);
    const lazy = [...new Set([...text.matchAll(/import\("(\.\/lib\/[^"]+)"\)/g)].map((m) => m[1] as string))];
    // The proxy's rules and agents (src/net/proxy.ts) load only when a proxy variable is set.
    assert.deepEqual(lazy.sort(), ['./lib/cli-exec.mjs', './lib/cli-health.mjs', './lib/cli-keys.mjs', './lib/cli-mint.mjs', './lib/cli-notarize.mjs', './lib/cli-policy.mjs', './lib/cli-upload.mjs', './lib/client-credential-chain.mjs', './lib/net-proxy.mjs']);
    for (const path of lazy) assert.ok(existsSync(join(root, 'dist', path)), path);
    // The Secrets Manager, KMS and S3 clients, the credential chain, the zip reader: none of it in the CI path.
    for (const absent of ['SecretsManager', 'TrentService', 'PutObject', 'sso_start_url', '169.254.169.254', 'yauzl', 'NodeVersionSupportWarning']) assert.ok(!text.includes(absent), absent);
  });

  it('what every start pays is kept small: no copy of a built-in module\'s properties, no help built, no UUID generator (BENCHMARKS.md, CLI start)', () => {
    const text = readFileSync(cliFile, 'utf8');
    // esbuild's CommonJS interop copies every property of a module into a new object, once per importing module
    // (scripts/build-options.ts, builtinsByRequire); the ES module stubs have none of it. Its helper reads the
    // property names with Object.getOwnPropertyNames and the descriptors with getOwnPropertyDescriptor.
    assert.ok(!/Object\.getOwnPropertyDescriptor/.test(text), 'no __toESM/__copyProps in dist/cli.mjs');
    // @smithy/core/serde's index (a blob adapter class, a UUID generator reading getRandomValues) is not in it
    // (narrowSignerImports); its error text is the mark of the generator.
    assert.ok(!text.includes('getRandomValues'), 'no UUID generator in dist/cli.mjs');
  });

  it('says nothing of the AWS SDK’s Node version support (its NodeVersionSupportWarning on Node < 22): the SDK is bundled, users cannot act on it', async () => {
    const sm = await new FakeSecretsManager().start();
    try {
      sm.create('asc/main', secretJson(generateP256(), { keyId: 'WARNKEY001' }));
      // keys show constructs the SDK's Secrets Manager client, whose configuration runs the version check.
      const result = await cli(['keys', 'show', '--secret-id', 'asc/main'], { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDOPS', AWS_SECRET_ACCESS_KEY: 'x', AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /key WARNKEY001/);
      // Nothing but the endpoint's name (not an AWS host: src/cli/endpoint-guard.ts).
      assert.equal(result.stderr, `asc-token: Secrets Manager endpoint: ${sm.endpoint} (not an AWS host)\n`);
    } finally {
      await sm.stop();
    }
  });
});
