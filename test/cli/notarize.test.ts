/**
 * `asc-token notarize`: the local server vends the tokens (the real handler behind SigV4, the `notarize` profile as
 * infra/policy.yaml ships it), the fake Notary API verifies every token against the key's public half and answers
 * with Apple's shapes, and the file goes to a real S3 wire protocol — moto's server on loopback, one for the whole
 * file, with its authentication on, so only the submission's temporary credentials (and their session token) can
 * write the object. The fake accepts a submission only when the object in the bucket has the submitted SHA-256.
 * In process through main() for the failure modes (waits instant), and the built CLI end to end.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import yazl from 'yazl';
import { main } from '../../src/cli/main.ts';
import { DEV_ENV, credentials, root, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { FakeNotary, unsignedBinaryIssue, type FakeNotaryOptions } from '../helpers/fake-notary.ts';
import { startMotoS3, type MotoS3 } from '../helpers/fake-notary-moto.ts';
import { ISSUER_ID, TEAM_KEY_ID } from '../helpers/keys.ts';
import { closedUrl } from '../helpers/local-server.ts';
import { trackOutput } from '../helpers/leaks.ts';

const run = promisify(execFile);
const MiB = 1024 * 1024;
let service: TokenService;
let moto: MotoS3;
let dir: string;
let zip: string;

/** A real zip archive (yazl), as `ditto -c -k` makes one of an app. */
async function writeZip(path: string, payloadBytes: number): Promise<void> {
  const archive = new yazl.ZipFile();
  archive.addBuffer(Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict/></plist>'), 'Example.app/Contents/Info.plist');
  archive.addBuffer(randomBytes(payloadBytes), 'Example.app/Contents/MacOS/Example', { compress: false });
  archive.end();
  await new Promise<void>((ok, fail) => archive.outputStream.pipe(createWriteStream(path)).on('close', ok).on('error', fail));
}

/** A UDIF disk image as far as the client can tell: bytes, then the 512-byte `koly` trailer. */
function writeDmg(path: string, bytes: number): void {
  const trailer = Buffer.alloc(512);
  trailer.write('koly', 0, 'latin1');
  writeFileSync(path, Buffer.concat([randomBytes(bytes), trailer]));
}

before(async () => {
  // Both started at once; each assigned as soon as it is up, so `after` stops it even when the other failed.
  const [tokens, s3] = await Promise.allSettled([startTokenService().then((s) => (service = s)), startMotoS3().then((m) => (moto = m))]);
  for (const started of [tokens, s3]) if (started.status === 'rejected') throw started.reason;
  dir = mkdtempSync(join(tmpdir(), 'asc-cli-notarize-'));
  zip = join(dir, 'Example.zip');
  await writeZip(zip, 300 * 1024);
});
after(async () => {
  service?.close();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function fake(options: Partial<FakeNotaryOptions> = {}) {
  return new FakeNotary({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, s3: moto, now: service.clock.now, ...options }).start();
}

/** main() in process, as CI would run it (no TTY unless asked), with an instant sleep on a private clock. */
async function cli(argv: string[], env: Record<string, string>, io: { tty?: boolean } = {}) {
  let stdout = '';
  let stderr = '';
  const clock = { t: Date.now() };
  const code = await main(
    argv,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { ASC_TOKEN_URL: service.url, ASC_TOKEN_PROFILE: 'notarize', ASC_NOTARY_S3_URL: moto.endpoint, ...env }, cwd: dir, now: Date.now, stderrIsTTY: io.tty === true, columns: 100 },
    { credentials, sleep: async (ms) => void (clock.t += ms), now: () => clock.t },
  );
  trackOutput(stdout);
  trackOutput(stderr);
  return { code, stdout, stderr };
}

/** No output may carry Apple's temporary S3 secret or session token. */
function assertNoSecrets(notary: FakeNotary, ...outputs: string[]): void {
  for (const secret of notary.handedOutSecrets) for (const output of outputs) assert.ok(!output.includes(secret.slice(0, 16)), 'an S3 secret or session token was printed');
}

describe('asc-token notarize (in process)', () => {
  it('submits, uploads to the bucket with Apple’s credentials, waits until Accepted; progress lines on stderr, the result on stdout', async () => {
    const notary = await fake({ processingChecks: 2 });
    try {
      const result = await cli(['notarize', 'Example.zip'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(notary.problems, []);
      const [submission] = [...notary.submissions.values()];
      assert.ok(submission);
      const sha = createHash('sha256').update(readFileSync(zip)).digest('hex');
      assert.equal(submission.sha256, sha);
      assert.equal(submission.uploaded?.sha256, sha, 'the bucket has the exact bytes');
      assert.equal(submission.name, 'Example.zip');
      assert.equal(result.stdout, `submission ${submission.id}: Accepted — Example.zip\n`);
      assert.deepEqual(result.stderr.trim().split('\n').map((l) => l.trimEnd().replace(/\(\d+s\)$/, '(Ns)')), [
        'file: Example.zip (300.4 KiB)',
        'tokens: profile notarize, refreshed before they expire',
        `checksum: SHA-256 ${sha.slice(0, 16)}… (Ns)`,
        `submission: ${submission.id}`,
        `uploading 300.4 KiB to Apple's notary storage (${moto.bucket}, us-west-2) in 1 part`,
        'uploading 100%  300.4 KiB/300.4 KiB',
        'uploaded 300.4 KiB in 0s',
        'notarizing: In Progress (Ns)',
        'notarizing: Accepted (Ns)',
      ]);
      // One token for every call (the profile is unscoped), never a scope claim; the calls in Apple's order.
      assert.deepEqual(notary.requests.map((r) => `${r.method} ${r.path.replace(submission.id, 'ID')} ${r.status}`), ['POST /notary/v2/submissions 200', ...Array(3).fill('GET /notary/v2/submissions/ID 200')]);
      assert.ok(notary.requests.every((r) => r.scope === undefined));
      assert.equal(new Set(notary.requests.map((r) => r.tokenSha256)).size, 1);
      assertNoSecrets(notary, result.stdout, result.stderr);
    } finally {
      notary.stop();
    }
  });

  it('--output json prints the submission; on a terminal the progress is a bar', async () => {
    const notary = await fake();
    try {
      const result = await cli(['notarize', zip, '--output', 'json'], { ASC_NOTARY_URL: notary.baseUrl }, { tty: true });
      assert.equal(result.code, 0, result.stderr);
      const json = JSON.parse(result.stdout);
      assert.deepEqual(Object.keys(json), ['id', 'status', 'name', 'createdDate', 'fileName', 'fileSize', 'sha256', 'statusSummary', 'issues', 'rateLimit']);
      const [submission] = [...notary.submissions.values()];
      assert.deepEqual(json, { id: submission!.id, status: 'Accepted', name: 'Example.zip', createdDate: submission!.createdDate, fileName: 'Example.zip', fileSize: readFileSync(zip).length, sha256: submission!.sha256, statusSummary: null, issues: [], rateLimit: null }, 'rateLimit is null: the Notary API states no budget');
      assert.match(result.stderr, /\r\x1b\[K\[#+-*\] uploading +\d+%/);
      assert.match(result.stderr, /\r\x1b\[K\[#+\] uploading 100%/);
      assert.deepEqual(notary.problems, []);
    } finally {
      notary.stop();
    }
  });

  it('Invalid: exit 6, the developer log fetched without the token and its issues printed (severity, path, architecture, message)', async () => {
    const issues = [
      unsignedBinaryIssue('Example.zip/Example.app/Contents/MacOS/Example', 'arm64'),
      { severity: 'error', code: null, path: 'Example.zip/Example.app/Contents/MacOS/Example', message: 'The executable does not have the hardened runtime enabled.', docUrl: null, architecture: 'x86_64' },
      { severity: 'warning', code: 7, path: 'Example.zip/Example.app/Contents/Frameworks/Old.framework/Old', message: 'The binary uses an SDK older than the 10.9 SDK.', docUrl: 'http://insecure.example/doc', architecture: 'x86_64' },
    ];
    const notary = await fake({ processingChecks: 1, outcome: { status: 'Invalid', statusSummary: 'Archive contains critical validation errors', statusCode: 4000, issues } });
    try {
      const result = await cli(['notarize', 'Example.zip'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(result.code, 6, result.stderr);
      const [submission] = [...notary.submissions.values()];
      const id = submission!.id;
      assert.equal(result.stdout, `submission ${id}: Invalid — Example.zip\n`);
      assert.ok(
        result.stderr.endsWith(
          [
            'the developer log lists 3 issues:',
            '  - error in Example.zip/Example.app/Contents/MacOS/Example (arm64): The binary is not signed with a valid Developer ID certificate. See https://developer.apple.com/documentation/security/resolving-common-notarization-issues#Sign-with-a-valid-Developer-ID-certificate',
            '  - error in Example.zip/Example.app/Contents/MacOS/Example (x86_64): The executable does not have the hardened runtime enabled.',
            '  - warning in Example.zip/Example.app/Contents/Frameworks/Old.framework/Old (x86_64): The binary uses an SDK older than the 10.9 SDK.',
            `asc-token: notarization_failed: Apple's notary service answered Invalid for Example.zip (submission ${id}): Archive contains critical validation errors`,
            `hint: Fix what the log lists (every binary signed with a Developer ID certificate, the hardened runtime and a secure timestamp), then notarize again. The whole log: asc-token notarize --log ${id}`,
            '',
          ].join('\n'),
        ),
        result.stderr,
      );
      assert.deepEqual(notary.logFetches, [{ id, authorization: undefined }]);
      assert.deepEqual(notary.problems, []);
    } finally {
      notary.stop();
    }
  });

  it('Rejected without issues: exit 6 with the log’s summary; --output json has the status and summary', async () => {
    const notary = await fake({ outcome: { status: 'Rejected', statusSummary: 'Team is not yet configured for notarization', statusCode: 7000, issues: null } });
    try {
      const result = await cli(['notarize', 'Example.zip', '--output', 'json'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(result.code, 6, result.stderr);
      const json = JSON.parse(result.stdout);
      assert.equal(json.status, 'Rejected');
      assert.equal(json.statusSummary, 'Team is not yet configured for notarization');
      assert.deepEqual(json.issues, []);
      assert.match(result.stderr, /asc-token: notarization_failed: Apple's notary service answered Rejected for Example\.zip \(submission [0-9a-f-]+\): Team is not yet configured for notarization\n/);
      assert.doesNotMatch(result.stderr, /issues:/);
    } finally {
      notary.stop();
    }
  });

  it('exit 7 when Apple takes longer than --timeout, with the submission ID and the command to look it up later', async () => {
    const notary = await fake({ processingChecks: 'forever' });
    try {
      const result = await cli(['notarize', 'Example.zip', '--timeout', '0.5'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(result.code, 7, result.stderr);
      const id = [...notary.submissions.keys()][0]!;
      assert.equal(result.stdout, `submission ${id}: In Progress — Example.zip\n`);
      assert.match(result.stderr, new RegExp(`asc-token: timeout: Apple was still notarizing submission ${id} \\(In Progress\\) after 30s; the file is uploaded\\nhint: Apple goes on without this command: look it up later with \`asc-token notarize --status ${id}\``));
      assert.deepEqual(notary.problems, []);
    } finally {
      notary.stop();
    }
  });

  it('--no-wait prints the submission ID; --status ID and --log ID look it up later (exit 7 while In Progress, 0 once Accepted)', async () => {
    const notary = await fake({ processingChecks: 2 });
    try {
      const submitted = await cli(['notarize', 'Example.zip', '--no-wait'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(submitted.code, 0, submitted.stderr);
      const id = [...notary.submissions.keys()][0]!;
      assert.equal(submitted.stdout, `${id}\n`);
      assert.match(submitted.stderr, new RegExp(`submitted; Apple is notarizing it: asc-token notarize --status ${id}\\n$`));

      const early = await cli(['notarize', '--log', id], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(early.code, 6);
      assert.match(early.stderr, /answered GET \/notary\/v2\/submissions\/[0-9a-f-]+\/logs with HTTP 404[^]*hint: Apple writes the log once a submission is finished: check it with `asc-token notarize --status /);

      const pending = await cli(['notarize', '--status', id], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(pending.code, 7);
      assert.equal(pending.stderr, '', 'a lookup prints its answer only');
      assert.match(pending.stdout, new RegExp(`^submission ${id}: In Progress — Example\\.zip, submitted \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`));
      const done = await cli(['notarize', '--status', id, '--output', 'json'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(done.code, 0, done.stderr);
      assert.deepEqual(Object.keys(JSON.parse(done.stdout)), ['id', 'status', 'name', 'createdDate']);
      assert.equal(JSON.parse(done.stdout).status, 'Accepted');

      const log = await cli(['notarize', '--log', id], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(log.code, 0, log.stderr);
      assert.equal(log.stdout, `submission ${id}: Accepted — Ready for distribution — Example.zip\nno issues\n`);
      const json = await cli(['notarize', '--log', id, '--output', 'json'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(JSON.parse(json.stdout).jobId, id, 'the log as Apple wrote it');
      assert.deepEqual(notary.problems, []);
    } finally {
      notary.stop();
    }
  });

  it('exit 2 for a missing file or one of the wrong type, bad flags or settings, before anything reaches Apple', async () => {
    const notary = await fake();
    try {
      writeFileSync(join(dir, 'NotAZip.zip'), 'hello');
      writeFileSync(join(dir, 'NotAPkg.pkg'), 'PK\x03\x04 not a xar');
      writeFileSync(join(dir, 'NotADmg.dmg'), randomBytes(4096));
      writeFileSync(join(dir, 'Empty.zip'), '');
      writeFileSync(join(dir, 'Example.app.tar'), 'x');
      const cases: Array<[string[], Record<string, string>, RegExp]> = [
        [['notarize', 'Missing.zip'], {}, /^asc-token: invalid_input: cannot read .*Missing\.zip: no such file\n/],
        [['notarize', 'Example.app.tar'], {}, /^asc-token: invalid_input: Example\.app\.tar: notarize takes a \.zip, a \.dmg or a \.pkg\nhint: Zip an app first: ditto -c -k --keepParent Example\.app Example\.zip\n$/],
        [['notarize', 'NotAZip.zip'], {}, /^asc-token: invalid_input: NotAZip\.zip is not a zip archive\nhint: Make it with: ditto/],
        [['notarize', 'NotAPkg.pkg'], {}, /^asc-token: invalid_input: NotAPkg\.pkg is not a flat installer package \(xar\)/],
        [['notarize', 'NotADmg.dmg'], {}, /^asc-token: invalid_input: NotADmg\.dmg is not a UDIF disk image/],
        [['notarize', 'Empty.zip'], {}, /is empty/],
        [['notarize', '.'], {}, /: notarize takes a \.zip/],
        [['notarize'], {}, /name exactly one FILE/],
        [['notarize', 'Example.zip', '--status', 'abc'], {}, /--status ID looks a submission up: it takes no FILE/],
        [['notarize', '--status', 'a', '--log', 'b'], {}, /--status and --log exclude each other/],
        [['notarize', '--status', 'a', '--timeout', '1'], {}, /--no-wait and --timeout are for submitting a FILE/],
        [['notarize', 'Example.zip', '--timeout', 'soon'], {}, /--timeout is minutes/],
        [['notarize', 'Example.zip', '--no-wait', '--timeout', '3'], {}, /with --no-wait there is none/],
        [['notarize', 'Example.zip', '--output', 'yaml'], {}, /--output must be text or json/],
        [['notarize', '--status', '../../v1/apps'], {}, /^asc-token: invalid_input: submission ID "\.\.\/\.\.\/v1\/apps" is not an identifier/],
        [['notarize', 'Example.zip'], { ASC_NOTARY_URL: 'http://notary.example.com/notary/v2' }, /ASC_NOTARY_URL must be an https: URL[^]*hint: Unset ASC_NOTARY_URL/],
        [['notarize', 'Example.zip'], { ASC_NOTARY_S3_URL: 'http://s3.example.com' }, /ASC_NOTARY_S3_URL must be an https: URL[^]*hint: Unset ASC_NOTARY_S3_URL/],
        [['notarize', 'Example.zip'], { ASC_TOKEN_PROFILE: '' }, /no profile: pass --profile or set ASC_TOKEN_PROFILE/],
      ];
      for (const [argv, env, message] of cases) {
        const result = await cli(argv, { ASC_NOTARY_URL: notary.baseUrl, ...env });
        assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, message, argv.join(' '));
      }
      assert.deepEqual(notary.requests, [], 'nothing reached Apple');
      assert.match((await cli(['notarize', '--help'], {})).stdout, /usage: asc-token notarize FILE\.zip\|FILE\.dmg\|FILE\.pkg/);
    } finally {
      notary.stop();
    }
  });

  it('Apple’s 4xx: a 401 gets one forced refresh and then exit 6; a 403 exits 6 with what the key’s role needs', async () => {
    const wrongKey = await fake({ keyId: 'OTHERKEY01' });
    try {
      const result = await cli(['notarize', 'Example.zip'], { ASC_NOTARY_URL: wrongKey.baseUrl });
      assert.equal(result.code, 6, result.stderr);
      assert.match(result.stderr, /asc-token: apple_refused: Apple’s notary service answered POST \/notary\/v2\/submissions with HTTP 401; Apple says:\n {2}- NOT_AUTHORIZED: Authentication credentials are missing or invalid\. — .*\nhint: Apple refused the token even after a fresh one/);
      assert.deepEqual(wrongKey.requests.map((r) => r.status), [401, 401]);
      assert.notEqual(wrongKey.requests[0]!.tokenSha256, wrongKey.requests[1]!.tokenSha256, 'the retry carried a new token');
    } finally {
      wrongKey.stop();
    }
    const forbidden = await fake();
    forbidden.apiFaults.push({ status: 403 });
    try {
      const result = await cli(['notarize', 'Example.zip'], { ASC_NOTARY_URL: forbidden.baseUrl });
      assert.equal(result.code, 6, result.stderr);
      assert.match(result.stderr, /HTTP 403; Apple says:\n {2}- FORBIDDEN_ERROR: [^\n]*\nhint: The key’s App Store Connect role does not allow notarization/);
      assert.equal(forbidden.submissions.size, 0);
    } finally {
      forbidden.stop();
    }
  });

  it('exit 5 when the upload to S3 fails after the SDK’s retries, naming the submission that will not be processed', async () => {
    const notary = await fake();
    try {
      const unreachable = await cli(['notarize', 'Example.zip'], { ASC_NOTARY_URL: notary.baseUrl, ASC_NOTARY_S3_URL: await closedUrl() });
      assert.equal(unreachable.code, 5, unreachable.stderr);
      const id = [...notary.submissions.keys()][0]!;
      assert.match(unreachable.stderr, new RegExp(`asc-token: upload_failed: the upload to Apple's notary storage \\(${moto.bucket}\\) failed \\(ECONNREFUSED, after 5 attempts\\)[^\\n]*; submission ${id} will not be processed\\nhint: Check that this machine reaches 127\\.0\\.0\\.1:\\d+ \\(ASC_NOTARY_S3_URL\\) \\(a proxy or firewall may block it\\)`));
    } finally {
      notary.stop();
    }
    // Credentials S3 does not accept (here a wrong secret): refused at once, as real S3 refuses them.
    const wrongSecret = await fake({ hostile: { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' } });
    try {
      const refused = await cli(['notarize', 'Example.zip'], { ASC_NOTARY_URL: wrongSecret.baseUrl });
      assert.equal(refused.code, 5, refused.stderr);
      assert.match(refused.stderr, /upload_failed: .*\(SignatureDoesNotMatch, HTTP 403\)[^\n]*\nhint: Apple’s storage refused the temporary upload credentials of this submission/);
      assert.ok(!refused.stderr.includes('wJalrXUtnFEMI'), 'the secret is never printed');
      assertNoSecrets(wrongSecret, refused.stdout, refused.stderr);
    } finally {
      wrongSecret.stop();
    }
  });

  it('a hostile Notary answer cannot inject a path, a line or an escape sequence', async () => {
    const cases: Array<[FakeNotaryOptions['hostile'], number, RegExp]> = [
      [{ id: '../../../v1/users' }, 1, /^asc-token: bad_response: Apple’s notary service answered a submission ID that "\.\.\/\.\.\/\.\.\/v1\/users" is not an identifier/m],
      [{ id: 'abc\ninjected: line' }, 1, /answered a submission ID that "abc injected: line" is not an identifier/],
      [{ bucket: 'evil.example.com/path' }, 1, /answered submission [0-9a-f-]+ with no usable S3 bucket name/],
      [{ object: 'prod/../../other-bucket/x' }, 1, /with no usable S3 object key/],
      [{ object: 'prod/x\r\nHost: evil' }, 1, /with no usable S3 object key/],
      [{ status: 'Accepted\u001b[2J\u001b]0;pwned\u0007' }, 1, /answered a status this client does not know for submission [0-9a-f-]+: "Accepted \[2J \]0;pwned "/],
      [{ status: 'Invalid', developerLogUrl: 'http://evil.example.com/log.json' }, 6, /the developer log could not be fetched: Apple’s notary service answered a developerLogUrl this client does not fetch \(http:\/\/evil\.example\.com\): https only/],
      [{ status: 'Invalid', log: { status: 'Invalid', statusSummary: 'bad\n\u001b[31mred', issues: [{ severity: 'error\u001b[0m', path: 'a\nb', message: 'm\r\n  - fake line', architecture: 'arm64\u0007', docUrl: 'javascript:alert(1)' }] } }, 6, /the developer log lists 1 issue:\n {2}- error \[0m in a b \(arm64 \): m {4}- fake line\nasc-token: notarization_failed: .*: bad {2}\[31mred\n/],
    ];
    for (const [hostile, code, message] of cases) {
      const notary = await fake({ hostile });
      try {
        const result = await cli(['notarize', 'Example.zip'], { ASC_NOTARY_URL: notary.baseUrl });
        assert.equal(result.code, code, `${JSON.stringify(hostile)}: ${result.stderr}`);
        assert.match(result.stderr, message, JSON.stringify(hostile));
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(result.stdout + result.stderr, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'no control character but newlines reaches the terminal');
        assert.ok(!notary.requests.some((r) => r.path.includes('..') || r.path.includes('/v1/')), 'no request went outside the notary paths');
      } finally {
        notary.stop();
      }
    }
  });

  it('a profile with scope patterns: the service cannot scope a token to a notary call, and the hint says which profile to use', async () => {
    const notary = await fake();
    try {
      const result = await cli(['notarize', 'Example.zip', '--profile', 'flat'], { ASC_NOTARY_URL: notary.baseUrl });
      assert.equal(result.code, 4, result.stderr);
      assert.match(result.stderr, /asc-token: invalid_scope: the token service refused: scope\[0\] path must start with an API version[^\n]*\nhint: Profile flat has scope patterns, and the service's scope entries name App Store Connect API paths \(\/v1\/…\), not the Notary API's \(\/notary\/v2\/…\): notarize with a profile whose scope is `any`/);
      assert.deepEqual(notary.requests, [], 'nothing reached Apple');
    } finally {
      notary.stop();
    }
  });
});

describe('asc-token notarize (the built CLI, end to end)', () => {
  /**
   * The job's own AWS identity and settings, as a CI runner may have them: a profile whose credentials sign the
   * token requests, and a config and endpoints that would send an S3 client elsewhere. None of it may reach the
   * upload: moto knows neither these credentials nor the closed endpoint.
   */
  function jobEnv(notary: FakeNotary, closed: string): Record<string, string> {
    const config = join(dir, 'aws-config');
    writeFileSync(config, `[profile job]\nregion = ${DEV_ENV.AWS_REGION}\nendpoint_url = ${closed}\nuse_fips_endpoint = true\nmax_attempts = 1\n`);
    writeFileSync(join(dir, 'aws-credentials'), `[job]\naws_access_key_id = ${DEV_ENV.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${DEV_ENV.AWS_SECRET_ACCESS_KEY}\n`);
    return {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      AWS_PROFILE: 'job',
      AWS_REGION: DEV_ENV.AWS_REGION,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
      AWS_ENDPOINT_URL: closed,
      AWS_USE_DUALSTACK_ENDPOINT: 'true',
      ASC_TOKEN_URL: service.url,
      ASC_TOKEN_PROFILE: 'notarize',
      ASC_NOTARY_URL: notary.baseUrl,
      ASC_NOTARY_S3_URL: moto.endpoint,
    };
  }

  async function built(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(root, 'dist/cli.mjs'), ...args], { env, cwd: dir });
      trackOutput(stdout);
      trackOutput(stderr);
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      trackOutput(e.stdout);
      trackOutput(e.stderr);
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('Accepted, with the job’s AWS credentials, profile and endpoints in the environment: only Apple’s credentials upload', async () => {
    const notary = await fake();
    try {
      const result = await built(['notarize', zip, '--output', 'json'], jobEnv(notary, await closedUrl()));
      assert.equal(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout).status, 'Accepted');
      assert.deepEqual(notary.problems, []);
      assertNoSecrets(notary, result.stdout, result.stderr);
    } finally {
      notary.stop();
    }
  });

  it('a job that set AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL for its own S3 (MinIO, R2): neither the build nor Apple\'s session token goes there (issue #20, finding 7)', async () => {
    const seen: Array<{ method: string; url: string; sessionToken: boolean }> = [];
    const minio = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', sessionToken: req.headers['x-amz-security-token'] !== undefined });
      req.resume();
      res.writeHead(200, { etag: '"x"' }).end();
    });
    minio.listen(0, '127.0.0.1');
    await once(minio, 'listening');
    const notary = await fake();
    try {
      const jobs = `http://127.0.0.1:${(minio.address() as AddressInfo).port}`;
      // A bound on the wait: a CLI that sent the build elsewhere would wait for Apple's verdict on a file it never got.
      const result = await built(['notarize', zip, '--output', 'json', '--timeout', '0.5'], { ...jobEnv(notary, jobs), AWS_ENDPOINT_URL_S3: jobs, AWS_ENDPOINT_URL: jobs });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(JSON.parse(result.stdout).status, 'Accepted', 'it went to Apple\'s bucket (here moto, by ASC_NOTARY_S3_URL)');
      assert.deepEqual(seen, [], 'the job\'s S3 endpoint received a request');
      assert.deepEqual(notary.problems, []);
    } finally {
      notary.stop();
      minio.close();
    }
  });

  it('a file larger than one part goes up as a multipart upload, streamed from disk, and arrives intact', async () => {
    const notary = await fake();
    const dmg = join(dir, 'Large.dmg');
    writeDmg(dmg, 8 * MiB + 123_457);
    try {
      const result = await built(['notarize', dmg], jobEnv(notary, await closedUrl()));
      assert.equal(result.code, 0, result.stderr);
      const [submission] = [...notary.submissions.values()];
      assert.equal(submission!.uploaded?.size, 8 * MiB + 123_457 + 512);
      assert.equal(submission!.uploaded?.sha256, createHash('sha256').update(readFileSync(dmg)).digest('hex'));
      assert.match(submission!.uploaded!.etag, /-2"$/, 'S3 assembled it from two parts');
      assert.match(result.stderr, /uploading 8\.1 MiB to Apple's notary storage \(notary-submissions-test, us-west-2\) in 2 parts\n/);
      assert.match(result.stderr, /^uploading 100%/m);
      assert.deepEqual(notary.problems, []);
    } finally {
      notary.stop();
      rmSync(dmg, { force: true });
    }
  });

  it('Invalid: exit 6 with the log’s issues', async () => {
    const notary = await fake({ outcome: { status: 'Invalid', statusSummary: 'Archive contains critical validation errors', statusCode: 4000, issues: [unsignedBinaryIssue('Example.zip/Example.app/Contents/MacOS/Example', 'x86_64')] } });
    try {
      const result = await built(['notarize', zip], jobEnv(notary, await closedUrl()));
      assert.equal(result.code, 6, result.stderr);
      assert.match(result.stderr, /\n {2}- error in Example\.zip\/Example\.app\/Contents\/MacOS\/Example \(x86_64\): The binary is not signed with a valid Developer ID certificate\. See https:/);
      assert.match(result.stdout, /^submission [0-9a-f-]+: Invalid — Example\.zip\n$/);
      assert.deepEqual(notary.problems, []);
    } finally {
      notary.stop();
    }
  });

  it('a token Apple finds too old mid-poll (401) is refreshed once, and the wait goes on', async () => {
    let jumped = false;
    const notary = await fake({
      processingChecks: 1,
      maxTokenAgeSeconds: 300,
      // After the first status check, Apple's clock and the service's jump 400 s: the CLI's cached token is then
      // too old for Apple (401), and one forced refresh gets a new one.
      onApiRequest: ({ method, path }) => {
        if (method === 'GET' && path.startsWith('/notary/v2/submissions/') && !jumped) {
          jumped = true;
          service.clock.offset += 400_000;
        }
      },
    });
    try {
      const result = await built(['notarize', zip], jobEnv(notary, await closedUrl()));
      assert.equal(result.code, 0, result.stderr);
      assert.equal(notary.rejectedAsOld, 1);
      assert.deepEqual(notary.requests.map((r) => r.status), [200, 200, 401, 200]);
      assert.notEqual(notary.requests[2]!.tokenSha256, notary.requests[3]!.tokenSha256);
      assert.deepEqual(notary.problems, []);
    } finally {
      service.clock.offset = 0;
      notary.stop();
    }
  });

  it('--timeout reached while In Progress: exit 7 with the ID and the command to look it up', async () => {
    const notary = await fake({ processingChecks: 'forever' });
    try {
      const result = await built(['notarize', zip, '--timeout', '0.03'], jobEnv(notary, await closedUrl()));
      assert.equal(result.code, 7, result.stderr);
      const id = [...notary.submissions.keys()][0]!;
      assert.match(result.stderr, new RegExp(`asc-token: timeout: Apple was still notarizing submission ${id} \\(In Progress\\) after \\d+s; the file is uploaded\\nhint: Apple goes on without this command: look it up later with \`asc-token notarize --status ${id}\``));
      assert.equal(result.stdout, `submission ${id}: In Progress — Example.zip\n`);
    } finally {
      notary.stop();
    }
  });
});
