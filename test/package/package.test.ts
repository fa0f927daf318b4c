/**
 * The package as a consumer gets it (issue #16.3): `npm pack` of the built tree, then `npm install --omit=dev` of the
 * tarball into an empty project, offline. What it installs is counted (the bar: ≤ 10 packages; everything the
 * shipped files run is bundled, so it is the package alone), no install-time script runs, and the installed
 * `asc-token` bin and the `asc-token-vending/client` and `/asc` exports work against the local server, their
 * declarations type-checked with skipLibCheck off. `npm run test:all` builds first; CI also runs `npm publish --dry-run`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEV_ENV, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
const consumer = join(dir, 'consumer');
const installed = join(consumer, 'node_modules/asc-token-vending');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };
// npm runs this file's test with its own npm_* variables (npm_config_prefix, _global, …): the child npm gets none
// of them but the cache, as a shell would.
const npmEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_'))),
  ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  npm_config_update_notifier: 'false',
};
let tarball: string;
let files: string[];
let installLog: string;
let service: TokenService;

before(async () => {
  service = await startTokenService();
  // --ignore-scripts: `prepare` would build again; npm run test:all has just built dist/.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, env: npmEnv });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(dir, info!.filename);
  files = info!.files.map((f) => f.path);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const install = await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', tarball], { cwd: consumer, env: npmEnv });
  installLog = `${install.stdout}${install.stderr}`;
});
after(() => {
  service.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the packed package, installed with --omit=dev', () => {
  it('holds the bin, the libraries with their chunks and declarations, the fastlane provider and the licences; no sources, tests or deployment', () => {
    for (const file of ['package.json', 'README.md', 'LICENSE', 'SECURITY.md', 'dist/cli.mjs', 'dist/client.mjs', 'dist/asc.mjs', 'dist/THIRD-PARTY-LICENSES.txt', 'dist/types/client/index.d.ts', 'dist/types/asc/index.d.ts', 'integrations/fastlane/asc_token_vending.rb']) {
      assert.ok(files.includes(file), `the tarball lacks ${file}`);
    }
    assert.ok(files.includes('dist/lib/cli-keys.mjs'));
    assert.ok(!files.some((f) => f.startsWith('dist/chunks/')), 'the Lambda bundle\'s chunks');
    for (const file of files) assert.doesNotMatch(file, /^(src|test|bench|scripts|infra|action)\/|^dist\/(handler|local)\.mjs$|\.ts$(?<!\.d\.ts)/, `the tarball ships ${file}`);
  });

  it('ships the guides the README links (docs/*.md), so every relative link of its Markdown leads to a file it holds', () => {
    const markdown = files.filter((f) => f.endsWith('.md'));
    for (const guide of ['docs/ci.md', 'docs/upload.md', 'docs/notarize.md', 'docs/keys.md', 'docs/http-api.md']) assert.ok(markdown.includes(guide), `the tarball lacks ${guide}`);
    const broken: string[] = [];
    let links = 0;
    for (const file of markdown) {
      const text = readFileSync(join(installed, file), 'utf8').replace(/^\s*```[\s\S]*?^\s*```/gm, '');
      for (const match of text.matchAll(/\]\(([^)#\s]+)(#[^)\s]*)?\)/g)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(match[1] as string)) continue;
        links++;
        const target = posix.normalize(posix.join(posix.dirname(file), match[1] as string));
        if (!files.includes(target)) broken.push(`${file} → ${target}`);
      }
    }
    assert.deepEqual(broken, [], 'links to files the package does not ship');
    assert.ok(links > 30, `only ${links} relative links found: the scan is broken`);
  });

  it('installs the package alone (no run-time dependencies: ≤ 10 packages is the bar), running no script', () => {
    const lock = JSON.parse(readFileSync(join(consumer, 'node_modules/.package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const packages = Object.keys(lock.packages).filter((path) => path.startsWith('node_modules/'));
    assert.deepEqual(packages, ['node_modules/asc-token-vending']);
    assert.deepEqual(readdirSync(join(consumer, 'node_modules')).sort(), ['.bin', '.package-lock.json', 'asc-token-vending']);
    const installedManifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies?: object; scripts?: Record<string, string> };
    assert.equal(installedManifest.dependencies, undefined);
    for (const script of ['preinstall', 'install', 'postinstall']) assert.equal(installedManifest.scripts?.[script], undefined, script);
    // --foreground-scripts would show a script's output; `prepare` does not run for a tarball.
    assert.doesNotMatch(installLog, /> asc-token-vending@/);
    assert.equal(existsSync(join(installed, 'dist/handler.mjs')), false);
  });

  it('asc-token (node_modules/.bin) prints its version and gets a token with the job’s credentials', async () => {
    const bin = join(consumer, 'node_modules/.bin/asc-token');
    const version = await run(bin, ['--version'], { env: { PATH: `${process.execPath.replace(/\/[^/]+$/, '')}:${process.env.PATH ?? ''}` } });
    assert.equal(version.stdout, `${manifest.version}\n`);
    const { stdout, stderr } = await run(process.execPath, [bin, 'token', 'release', '--url', service.url], { env: { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV } });
    trackOutput(stderr);
    assert.equal(stderr, '');
    verifyEs256(stdout.trim(), service.service.key.publicKey);
    // A command loaded from the package's chunks.
    const usage = await run(process.execPath, [bin, 'keys', 'show']).catch((error) => error);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: asc-token keys show --secret-id ID/);
  });

  it('asc-token-vending/client and asc-token-vending/asc import and work from the installed package', async () => {
    const script = `
      const { TokenClient } = await import('asc-token-vending/client');
      const { vendedTokenAuth, scopeOf } = await import('asc-token-vending/asc');
      const tokens = new TokenClient({ url: ${JSON.stringify(service.url)} });
      const auth = vendedTokenAuth({ tokens, profile: 'testflight-upload' });
      const call = { method: 'GET', path: '/v1/buildUploads/abc' };
      console.log(JSON.stringify({ token: await auth.getToken(call), scope: scopeOf(call) }));`;
    // The default credential provider, from the environment as in a CI job.
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, env: { PATH: process.env.PATH ?? '', HOME: dir, ...DEV_ENV } });
    assert.equal(stderr, '');
    const result = JSON.parse(stdout) as { token: string; scope: string };
    assert.deepEqual(verifyEs256(result.token, service.service.key.publicKey).payload.scope, [result.scope]);
  });

  // The one test of the declarations (it was three: this one, and two with skipLibCheck on a symlinked checkout).
  it('ships declarations a consumer type-checks against with skipLibCheck off', async () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      [
        "import { TokenClient, TokenClientError, defaultCredentialProvider, type Credentials } from 'asc-token-vending/client';",
        "import { AppStoreConnectClient, AscError, NotarizationError, notarize, notaryClient, uploadBuild, vendedTokenAuth, type NotarizeResult, type UploadBuildResult } from 'asc-token-vending/asc';",
        "const tokens = new TokenClient({ url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod', credentials: defaultCredentialProvider() });",
        "const credentials: Credentials = { accessKeyId: 'a', secretAccessKey: 'b' };",
        "const response = await tokens.getToken('p', { scope: ['GET /v1/apps'] });",
        'const token: string = response.token;',
        'const expiresIn: number = response.expiresIn;',
        "export const code = (e: unknown) => (e instanceof TokenClientError ? e.code : 'other');",
        '// @ts-expect-error ttl is a number of seconds',
        "await tokens.getToken('p', { ttl: '600' });",
        "const auth = vendedTokenAuth({ tokens, profile: 'testflight-upload' });",
        'const client = new AppStoreConnectClient({ auth });',
        "const result: UploadBuildResult = await uploadBuild({ client, file: 'App.ipa', timeoutMs: 30 * 60_000, onEvent: (e) => console.log(e.type) });",
        "export const ascCode = (e: unknown) => (e instanceof AscError ? e.code : 'other');",
        "// @ts-expect-error platform is one of Apple's names",
        "await uploadBuild({ client, file: 'App.ipa', platform: 'IPHONE' });",
        "const notarized: NotarizeResult = await notarize({ client: notaryClient({ auth }), file: 'App.zip', timeoutMs: 60 * 60_000 });",
        "export const issues = (e: unknown) => (e instanceof NotarizationError ? e.result.issues.map((i) => `${i.path}: ${i.message}`) : []);",
        "console.log(result.id, result.state, credentials, token, expiresIn, notarized.id, notarized.status === 'Accepted');",
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['consumer.ts'] }),
    );
    const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', consumer]).catch((error) => error);
    assert.equal(result.code ?? 0, 0, `${result.stdout}${result.stderr}`);
  });
});
