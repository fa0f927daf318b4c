/**
 * `asc-token upload`: the local server vends the tokens (the real handler behind SigV4), the fake App Store
 * Connect checks every request against Apple's spec and every token against the key's public half. In process
 * through main() for the failure modes (waits instant); the built CLI end to end: test/cli/upload.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { FakeAppStoreConnect, type FakeAscOptions } from '../helpers/fake-asc.ts';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { startFlood } from '../helpers/flood-server.ts';
import { credentials, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const APP = { id: '1234567890', bundleId: PLIST.CFBundleIdentifier };
let service: TokenService;
let dir: string;
let ipa: string;
before(async () => {
  service = await startTokenService();
  dir = mkdtempSync(join(tmpdir(), 'asc-cli-upload-'));
  ipa = join(dir, 'Example.ipa');
  await writeIpa(ipa, { payloadBytes: 6 * 1024 * 1024 + 4321 }); // a binary Info.plist, as Xcode exports it
});
after(() => {
  service.close();
  rmSync(dir, { recursive: true, force: true });
});

async function fake(options: Partial<FakeAscOptions> = {}) {
  return new FakeAppStoreConnect({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [APP], requireScope: true, now: service.clock.now, partSize: 1024 * 1024, ...options }).start();
}

/** main() in process, as CI would run it (no TTY unless asked), with an instant sleep on a private clock. */
async function cli(argv: string[], env: Record<string, string>, io: { tty?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const clock = { t: Date.now() };
  const code = await main(
    argv,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'testflight-upload', ...env }, cwd: dir, now: Date.now, stderrIsTTY: io.tty === true, columns: 100 },
    { credentials, sleep: async (ms) => void (clock.t += ms), now: () => clock.t },
  );
  trackOutput(stdout);
  trackOutput(stderr);
  return { code, stdout, stderr };
}

describe('asc-token upload (in process)', () => {
  it('uploads and prints progress lines in a log, the result on stdout', async () => {
    const asc = await fake({ processingChecks: 2, warnings: [{ code: 'EXPORT_COMPLIANCE', description: 'Missing ITSAppUsesNonExemptEncryption.' }] });
    try {
      const result = await cli(['upload', 'Example.ipa'], { ASC_API_URL: asc.url });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(asc.problems, []);
      const id = [...asc.buildUploads.keys()][0];
      assert.equal(result.stdout, `build upload ${id}: COMPLETE — com.example.app 1.4.0 (45), IOS\n`);
      const lines = result.stderr.trim().split('\n');
      const sha = createHash('sha256').update(readFileSync(ipa)).digest('hex');
      assert.deepEqual(lines.slice(0, 6).map((l) => l.replace(/\(\d+s\)$/, '(Ns)')), [
        'build: com.example.app 1.4.0 (45), IOS — from Payload/Example.app/Info.plist',
        'tokens: profile testflight-upload, one per App Store Connect call, each scoped to that call',
        'app: 1234567890',
        `build upload: ${id}`,
        `checksum: SHA-256 ${sha.slice(0, 16)}… (Ns)`,
        'uploading 6.0 MiB in 7 parts',
      ]);
      assert.ok(lines.some((l) => /^uploading 100%  6\.0 MiB\/6\.0 MiB/.test(l)));
      assert.ok(lines.includes('upload committed; Apple is processing the build'));
      assert.deepEqual(lines.filter((l) => l.startsWith('processing:')).map((l) => l.replace(/ \(.*\)$/, '')), ['processing: PROCESSING', 'processing: COMPLETE']);
      assert.equal(lines.at(-1), 'warning from Apple: EXPORT_COMPLIANCE: Missing ITSAppUsesNonExemptEncryption.');
      assert.ok(!result.stderr.includes('\r'), 'no bar in a log');
    } finally {
      asc.stop();
    }
  });

  it('--output json prints the build upload’s id and state; on a terminal the progress is a bar', async () => {
    const asc = await fake();
    try {
      const result = await cli(['upload', 'Example.ipa', '--output', 'json', '--build', '46'], { ASC_API_URL: asc.url }, { tty: true });
      assert.equal(result.code, 0, result.stderr);
      const json = JSON.parse(result.stdout);
      assert.deepEqual(Object.keys(json), ['id', 'state', 'appId', 'bundleId', 'version', 'build', 'platform', 'fileName', 'fileSize', 'sha256', 'errors', 'warnings', 'infos', 'rateLimit']);
      assert.equal(json.id, [...asc.buildUploads.keys()][0]);
      assert.equal(json.state, 'COMPLETE');
      assert.equal(json.build, '46');
      assert.match(result.stderr, /\r\x1b\[K\[#+-*\] uploading +\d+%/);
    } finally {
      asc.stop();
    }
  });

  it('Apple’s 429 mid-upload (after the parts, at the commit): waits as Retry-After says and finishes; --verbose and --output json give the key’s budget left (issue #23)', async () => {
    const asc = await fake();
    asc.apiFaults.push({ status: 429, retryAfter: 7, on: 'PATCH /v1/buildUploadFiles/' });
    try {
      const result = await cli(['upload', 'Example.ipa', '--output', 'json', '--build', '47', '--verbose'], { ASC_API_URL: asc.url });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(asc.problems, []);
      const commits = asc.requests.filter((r) => r.method === 'PATCH');
      assert.deepEqual(commits.map((r) => r.status), [429, 200], 'the commit refused once, then sent again');
      const json = JSON.parse(result.stdout);
      assert.equal(json.state, 'COMPLETE');
      assert.deepEqual(json.rateLimit, { hourlyLimit: 3600, remaining: 3600 - asc.requestsThisHour }, 'the budget as Apple stated it last');
      const lines = result.stderr.trim().split('\n');
      assert.ok(lines.some((l) => /^App Store Connect: PATCH \/v1\/buildUploadFiles\/\S+ failed \(HTTP 429: Apple asks to slow down\); retry 1 in 7s$/.test(l)), result.stderr);
      assert.equal(lines.filter((l) => l.startsWith("Apple's rate limit: ")).length, 2, 'when first stated and at the end');
      assert.equal(lines.at(-1), `Apple's rate limit: ${3600 - asc.requestsThisHour} of 3600 requests left this hour for this key`);
      assert.ok(!lines.some((l) => l.startsWith('warning:')), 'no warning with most of the budget left');
    } finally {
      asc.stop();
    }
  });

  it('less than a tenth of the key’s hourly budget left: one warning that names key pools, with or without --verbose', async () => {
    const asc = await fake();
    asc.requestsThisHour = 3300; // other pipelines sharing the key spent most of this hour's budget
    try {
      const result = await cli(['upload', 'Example.ipa', '--build', '48'], { ASC_API_URL: asc.url });
      assert.equal(result.code, 0, result.stderr);
      const warnings = result.stderr.split('\n').filter((l) => l.startsWith('warning: '));
      assert.equal(warnings.length, 1, result.stderr);
      assert.match(warnings[0] as string, /^warning: 29\d of 3600 requests left this hour for this key; past it Apple answers 429 .*docs\/design\.md#key-pools/);
      assert.ok(!result.stderr.includes("Apple's rate limit:"), 'the budget lines are for --verbose');
    } finally {
      asc.stop();
    }
  });

  it('exit 6 for a duplicate build (409), with Apple’s error and what to do', async () => {
    const asc = await fake();
    try {
      assert.equal((await cli(['upload', 'Example.ipa', '--no-wait'], { ASC_API_URL: asc.url })).code, 0);
      const result = await cli(['upload', 'Example.ipa'], { ASC_API_URL: asc.url });
      assert.equal(result.code, 6);
      assert.match(result.stderr, /\nasc-token: apple_refused: App Store Connect answered POST \/v1\/buildUploads with HTTP 409; Apple says:\n  - ENTITY_ERROR\.ATTRIBUTE\.INVALID\.DUPLICATE: The provided entity includes an attribute with a value that has already been used — The bundle version must be higher than the previously uploaded version: ‘45’\. \(id [0-9a-f-]+\)\nhint: .*raise CFBundleVersion \(or pass --build\)/);
    } finally {
      asc.stop();
    }
  });

  it('exit 6 for a FAILED build, listing Apple’s errors; --output json still prints the state', async () => {
    const asc = await fake({ processingChecks: 1, outcome: { failed: [{ code: 'ITMS-90035', description: 'Invalid Signature.' }, { code: 'ITMS-90713', description: 'Missing Info.plist value: CFBundleIconName.' }] } });
    try {
      const result = await cli(['upload', 'Example.ipa', '--output', 'json'], { ASC_API_URL: asc.url });
      assert.equal(result.code, 6);
      assert.match(result.stderr, /asc-token: build_failed: Apple could not process build upload [0-9a-f-]+ \(com\.example\.app 1\.4\.0 \(45\)\); Apple says:\n  - ITMS-90035: Invalid Signature\.\n  - ITMS-90713: Missing Info\.plist value: CFBundleIconName\.\nhint: Fix what Apple lists/);
      assert.equal(JSON.parse(result.stdout).state, 'FAILED');
    } finally {
      asc.stop();
    }
  });

  it('exit 7 when processing outlasts --timeout (minutes, fractions allowed)', async () => {
    const asc = await fake({ processingChecks: 'forever' });
    try {
      const result = await cli(['upload', 'Example.ipa', '--timeout', '0.5'], { ASC_API_URL: asc.url });
      assert.equal(result.code, 7);
      assert.match(result.stderr, /asc-token: timeout: Apple was still processing build upload [0-9a-f-]+ \(PROCESSING\) after 30s; the upload itself is committed\nhint: /);
    } finally {
      asc.stop();
    }
  });

  it('exit 2 for bad input found before calling Apple, and for bad flags or settings', async () => {
    const asc = await fake();
    try {
      writeFileSync(join(dir, 'Broken.ipa'), 'PK not really');
      await writeIpa(join(dir, 'NoPlist.ipa'), { entries: [{ name: 'Payload/Example.app/Example', data: Buffer.from('x') }] });
      await writeIpa(join(dir, 'NoBuild.ipa'), { plist: { CFBundleIdentifier: 'com.example.app', CFBundleShortVersionString: '1.0' } });
      const cases: Array<[string[], Record<string, string>, RegExp]> = [
        [['upload', 'Broken.ipa'], {}, /^asc-token: invalid_input: Broken\.ipa is not a readable zip archive .*\nhint: Pass the \.ipa that `xcodebuild -exportArchive` wrote/],
        [['upload', 'NoPlist.ipa'], {}, /^asc-token: invalid_input: NoPlist\.ipa has no Payload\/NAME\.app\/Info\.plist/],
        [['upload', 'NoBuild.ipa'], {}, /^asc-token: invalid_input: Payload\/Example\.app\/Info\.plist has no CFBundleVersion\nhint: Pass --build 45\./],
        [['upload', 'Missing.ipa'], {}, /no such file/],
        [['upload', 'Example.ipa', '--app-id', '1', '--bundle-id', 'a.b'], {}, /--app-id and --bundle-id exclude each other/],
        [['upload', 'Example.ipa', '--timeout', 'soon'], {}, /--timeout is minutes/],
        [['upload', 'Example.ipa', '--platform', 'WATCH_OS'], {}, /--platform must be one of IOS, MAC_OS, TV_OS, VISION_OS/],
        [['upload', 'Example.ipa'], { ASC_API_URL: 'http://api.example.com' }, /ASC_API_URL must be an https: URL/],
        [['upload', 'Example.ipa'], { ASC_TOKEN_PROFILE: '' }, /no profile: pass --profile or set ASC_TOKEN_PROFILE/],
        [['upload'], {}, /name exactly one FILE/],
      ];
      for (const [argv, env, message] of cases) {
        const result = await cli(argv, { ASC_API_URL: asc.url, ...env });
        assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message, argv.join(' '));
      }
      assert.deepEqual(asc.requests, [], 'nothing reached Apple');
    } finally {
      asc.stop();
    }
  });

  it('the token service’s refusal keeps its exit code (3) and says what to do', async () => {
    const asc = await fake();
    try {
      const result = await cli(['upload', 'Example.ipa', '--profile', 'not-mine'], { ASC_API_URL: asc.url });
      assert.equal(result.code, 3);
      assert.match(result.stderr, /asc-token: forbidden: the token service refused: .*\(request [0-9a-f-]+\)\nhint: Your AWS principal may not use this profile/);
    } finally {
      asc.stop();
    }
  });
});

describe('an answer from Apple that does not end (issue #20, finding 3)', () => {
  it('3 GB declared, or no end at all: exit 1, bad_response, and the CLI stops reading at 8 MiB', async () => {
    for (const options of [{ declaredBytes: 3 * 1024 ** 3 }, {}]) {
      const flood = await startFlood(options);
      try {
        const closed = flood.nextClose();
        const result = await cli(['upload', 'Example.ipa'], { ASC_API_URL: flood.url });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /^asc-token: bad_response: App Store Connect answered GET \/v1\/apps with HTTP 200 and more than 8388608 bytes: more than this client reads, so it stopped reading\nhint: Check ASC_API_URL/m);
        assert.ok((await closed) < 24 * 1024 * 1024, `the server wrote ${flood.closedAfter[0]} bytes`);
      } finally {
        flood.stop();
      }
    }
  });
});
