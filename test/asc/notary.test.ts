/**
 * The notary module's parts: calls named `/notary/v2/…` to the auth strategy (and so in a per-call scope), Apple's
 * answers checked field by field (with Apple's own documented shapes accepted), the developer log fetched without
 * the token, bounded and only over https (http on loopback), the S3 endpoint and part arithmetic. The whole flow,
 * with S3, is test/cli/notarize.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiCall, AuthStrategy, TokenOptions } from '../../src/asc/auth.ts';
import { AscError } from '../../src/asc/errors.ts';
import { localKeyAuth } from '../../src/asc/local.ts';
import { checkNewSubmission, checkNotaryFile, describeIssues, getSubmission, getSubmissionLog, notaryClient, parseDeveloperLog } from '../../src/asc/notary.ts';
import { DEFAULT_PART_SIZE, notaryS3Endpoint, partsFor } from '../../src/asc/notary-upload.ts';
import { FakeNotary, unsignedBinaryIssue, type FakeSubmission } from '../helpers/fake-notary.ts';
import type { MotoS3 } from '../helpers/fake-notary-moto.ts';
import { ISSUER_ID, TEAM_KEY_ID, generateP256 } from '../helpers/keys.ts';

const key = generateP256();
const MiB = 1024 * 1024;
let notary: FakeNotary;
/** Tests here never create a submission through the API: they need no S3. */
const noS3 = new Proxy({}, { get: () => assert.fail('this test does not use S3') }) as MotoS3;
before(async () => {
  notary = await new FakeNotary({ publicKey: key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, s3: noS3 }).start();
});
after(() => notary.stop());

/**
 * A strategy that signs in process (localKeyAuth) and records what it was asked for. Unscoped: the scope grammar
 * the service and localKeyAuth share names App Store Connect API paths (`/v1/…`), not `/notary/v2/…`.
 */
function recording(): AuthStrategy & { calls: string[] } {
  const inner = localKeyAuth({ keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, privateKey: key.privateKey, scope: 'none' });
  const calls: string[] = [];
  return {
    calls,
    getToken(call: ApiCall, options?: TokenOptions) {
      calls.push(`${call.method} ${call.path}`);
      return inner.getToken(call, options);
    },
  };
}

/** A finished submission in the fake's books, as if uploaded and processed. */
function finished(status: FakeSubmission['status'], issues: FakeSubmission['outcome'] extends infer O ? (O extends { issues: infer I } ? I : never) : never = null): FakeSubmission {
  const id = randomUUID();
  const submission: FakeSubmission = {
    id,
    name: 'Example.zip',
    sha256: 'a'.repeat(64),
    createdDate: '2026-11-29T10:00:00.000Z',
    object: `prod/AROAEXAMPLE-${id}`,
    credentials: { accessKeyId: 'ASIAEXAMPLE000000000', secretAccessKey: 'x'.repeat(40), sessionToken: 'y'.repeat(300) },
    status,
    checksLeft: 0,
    logSignature: 'f'.repeat(32),
    ...(status === 'Invalid' || status === 'Rejected' ? { outcome: { status, statusSummary: 'Archive contains critical validation errors', statusCode: 4000, issues } } : {}),
  };
  notary.submissions.set(id, submission);
  return submission;
}

describe('notaryClient', () => {
  it('names each call /notary/v2/… to the strategy, so a per-call token’s scope is the path Apple sees', async () => {
    const auth = recording();
    const client = notaryClient({ auth, baseUrl: notary.baseUrl });
    const submission = finished('Accepted');
    const before = notary.requests.length;
    assert.equal((await getSubmission(client, submission.id)).status, 'Accepted');
    await client.prepare({ method: 'POST', path: '/submissions' });
    assert.deepEqual(auth.calls, [`GET /notary/v2/submissions/${submission.id}`, 'POST /notary/v2/submissions']);
    const [request] = notary.requests.slice(before);
    assert.equal(request?.path, `/notary/v2/submissions/${submission.id}`);
    assert.equal(request?.status, 200);
    assert.deepEqual(notary.problems, []);
  });

  it('the base URL defaults to Apple’s, from ASC_NOTARY_URL otherwise, https only', () => {
    const auth = recording();
    assert.equal(notaryClient({ auth, env: {} }).baseUrl.href, 'https://appstoreconnect.apple.com/notary/v2');
    assert.equal(notaryClient({ auth, env: { ASC_NOTARY_URL: 'https://proxy.example.com/apple-notary/' } }).baseUrl.href, 'https://proxy.example.com/apple-notary');
    assert.throws(() => notaryClient({ auth, env: { ASC_NOTARY_URL: 'http://proxy.example.com/notary/v2' } }), /ASC_NOTARY_URL must be an https: URL/);
  });
});

describe('getSubmission', () => {
  it('takes Apple’s answer about an ID asked in capitals (Apple’s own example answers in lower case)', async () => {
    const submission = finished('In Progress');
    submission.uploaded = { sha256: submission.sha256, size: 1, etag: '"x"' };
    submission.checksLeft = Infinity;
    const answer = await getSubmission(notaryClient({ auth: recording(), baseUrl: notary.baseUrl }), submission.id.toUpperCase());
    assert.deepEqual(answer, { id: submission.id.toUpperCase(), status: 'In Progress', name: 'Example.zip', createdDate: '2026-11-29T10:00:00.000Z' });
  });

  it('refuses an ID that is not an identifier before any request, and says what Apple’s 404 means', async () => {
    const client = notaryClient({ auth: recording(), baseUrl: notary.baseUrl });
    const before = notary.requests.length;
    for (const id of ['', '../v1/users', 'a/b', 'a?b', 'a b', 'x'.repeat(65), '.', 'a\nb']) {
      await assert.rejects(getSubmission(client, id), (error: unknown) => error instanceof AscError && error.code === 'invalid_input', JSON.stringify(id));
    }
    assert.equal(notary.requests.length, before);
    await assert.rejects(getSubmission(client, randomUUID()), (error: unknown) => {
      assert.ok(error instanceof AscError);
      assert.equal(error.code, 'apple_refused');
      assert.equal(error.status, 404);
      assert.match(error.message, /^Apple’s notary service answered GET \/notary\/v2\/submissions\/[0-9a-f-]+ with HTTP 404$/);
      assert.match(error.hint ?? '', /No such submission for this key’s team/);
      return true;
    });
  });
});

describe('checkNewSubmission', () => {
  const apple = {
    data: {
      type: 'newSubmissions',
      id: '1238aa04-1593-4391-96c8-ca1920bc7c7f',
      attributes: {
        awsAccessKeyId: 'ASIARQRX7CZSEXAMPLE1',
        awsSecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        awsSessionToken: 'FwoGZXIvYXdzEGEaDFdhVOScqpBYw2R/ASLJARXoN1wbt5ntnmz6PBipCRdOCgH/FZnt35this+Tq==',
        bucket: 'notary-submissions-prod',
        object: 'prod/AROARQRX7CZS3PRF6ZA5L:1238aa04-1593-4391-96c8-ca1920bc7c7f',
      },
    },
    meta: {},
  };

  it('accepts Apple’s answer as Apple gives it (an object key with a colon, a session token with / + =)', () => {
    assert.deepEqual(checkNewSubmission(apple), {
      id: apple.data.id,
      target: {
        bucket: 'notary-submissions-prod',
        object: 'prod/AROARQRX7CZS3PRF6ZA5L:1238aa04-1593-4391-96c8-ca1920bc7c7f',
        credentials: { accessKeyId: apple.data.attributes.awsAccessKeyId, secretAccessKey: apple.data.attributes.awsSecretAccessKey, sessionToken: apple.data.attributes.awsSessionToken },
      },
    });
  });

  it('refuses every field it cannot use safely, naming it and never its value', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ id: undefined }, /without a submission ID/],
      [{ id: 'a/../b' }, /submission ID that "a\/\.\.\/b" is not an identifier/],
      [{ bucket: 'Notary_Submissions' }, /no usable S3 bucket name/],
      [{ bucket: 'a..b' }, /no usable S3 bucket name/],
      [{ bucket: 'evil.example.com/x' }, /no usable S3 bucket name/],
      [{ object: '/prod/x' }, /no usable S3 object key/],
      [{ object: 'prod//x' }, /no usable S3 object key/],
      [{ object: 'prod/../x' }, /no usable S3 object key/],
      [{ object: 'prod/x?versionId=1' }, /no usable S3 object key/],
      [{ object: 'prod/x y' }, /no usable S3 object key/],
      [{ object: 'p'.repeat(1025) }, /no usable S3 object key/],
      [{ awsAccessKeyId: 'asia lower' }, /no usable awsAccessKeyId/],
      [{ awsSecretAccessKey: 'short' }, /no usable awsSecretAccessKey/],
      [{ awsSessionToken: 'abcdefghijklmnopqrstuvwxyz\r\nX-Injected: 1' }, /no usable awsSessionToken/],
      [{ awsSessionToken: 7 }, /no usable awsSessionToken/],
    ];
    for (const [change, message] of cases) {
      const { id, ...attributes } = change;
      const document = { data: { ...apple.data, ...('id' in change ? { id } : {}), attributes: { ...apple.data.attributes, ...attributes } } };
      assert.throws(
        () => checkNewSubmission(document),
        (error: unknown) => {
          assert.ok(error instanceof AscError, JSON.stringify(change));
          assert.equal(error.code, 'bad_response');
          assert.match(error.message, message, JSON.stringify(change));
          assert.ok(!error.message.includes('wJalrXUtnFEMI') && !error.message.includes('FwoGZXIvYXdz'), 'no secret in the message');
          return true;
        },
      );
    }
  });
});

describe('the developer log', () => {
  const log = {
    logFormatVersion: 1,
    jobId: '608f5913-0b24-4a5c-bc1a-70496be384e6',
    status: 'Invalid',
    statusSummary: 'Archive contains critical validation errors',
    statusCode: 4000,
    archiveFilename: 'Example.app.zip',
    uploadDate: '2026-11-29T10:01:02.000Z',
    sha256: 'b'.repeat(64),
    ticketContents: null,
    issues: [
      { severity: 'error', code: null, path: 'Example.app.zip/Example.app/Contents/MacOS/Example', message: 'The signature of the binary is invalid.', docUrl: 'https://developer.apple.com/documentation/security/resolving-common-notarization-issues#3087735', architecture: 'arm64' },
      { severity: 'warning', code: 12, path: 'Example.app.zip/Example.app/Contents/MacOS/Example', message: 'The binary uses an SDK older than the 10.9 SDK.', docUrl: 'ftp://example.com', architecture: 'x86_64' },
      'not an issue',
      null,
      { message: 'no severity, path or architecture' },
    ],
  };

  it('keeps what people read: severity, path, architecture, message, an https docUrl', () => {
    const parsed = parseDeveloperLog(log);
    assert.equal(parsed.status, 'Invalid');
    assert.equal(parsed.statusSummary, 'Archive contains critical validation errors');
    assert.equal(parsed.statusCode, 4000);
    assert.equal(parsed.sha256, 'b'.repeat(64));
    assert.equal(parsed.issues.length, 3);
    assert.deepEqual(parsed.issues[1], { severity: 'warning', code: '12', path: 'Example.app.zip/Example.app/Contents/MacOS/Example', message: 'The binary uses an SDK older than the 10.9 SDK.', docUrl: null, architecture: 'x86_64' });
    assert.deepEqual(describeIssues(parsed.issues), [
      'error in Example.app.zip/Example.app/Contents/MacOS/Example (arm64): The signature of the binary is invalid. See https://developer.apple.com/documentation/security/resolving-common-notarization-issues#3087735',
      'warning in Example.app.zip/Example.app/Contents/MacOS/Example (x86_64): The binary uses an SDK older than the 10.9 SDK.',
      'issue: no severity, path or architecture',
    ]);
    assert.deepEqual(parseDeveloperLog({ ...log, issues: null }).issues, []);
    const many = parseDeveloperLog({ issues: Array.from({ length: 1200 }, (_, i) => ({ severity: 'error', message: `issue ${i}` })) }).issues;
    assert.equal(many.length, 1000, 'at most 1000 kept');
    assert.deepEqual(describeIssues(many, 2), ['error: issue 0', 'error: issue 1', '… and 998 more']);
  });

  let logServer: Server;
  let logUrl: string;
  const served: Array<{ path: string; authorization: string | undefined }> = [];
  before(async () => {
    logServer = createServer((req, res) => {
      served.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/hop') return void res.writeHead(302, { location: '/log.json?X-Amz-Signature=abc' }).end();
      if (path === '/away') return void res.writeHead(302, { location: 'http://logs.example.com/log.json' }).end();
      if (path === '/big') return void res.writeHead(200, { 'content-length': String(17 * MiB) }).end();
      if (path === '/endless') {
        res.writeHead(200);
        const chunk = Buffer.alloc(MiB, 32);
        let sent = 0;
        const write = () => {
          while (sent < 40 && res.write(chunk)) sent++;
          if (sent < 40) res.once('drain', write);
          else res.end();
        };
        return write();
      }
      if (path === '/failing') return void res.writeHead(503).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(JSON.stringify(log));
    });
    logServer.listen(0, '127.0.0.1');
    await once(logServer, 'listening');
    logUrl = `http://127.0.0.1:${(logServer.address() as AddressInfo).port}`;
  });
  after(() => {
    logServer.closeAllConnections();
    logServer.close();
  });

  async function logVia(path: string) {
    const submission = finished('Invalid', [unsignedBinaryIssue('Example.zip/x')]);
    notary.options.hostile = { developerLogUrl: `${logUrl}${path}` };
    const sleeps: number[] = [];
    try {
      return { result: await getSubmissionLog(notaryClient({ auth: recording(), baseUrl: notary.baseUrl }), submission.id, { sleep: async (ms) => void sleeps.push(ms) }), sleeps };
    } finally {
      notary.options.hostile = undefined;
    }
  }

  it('is fetched from its presigned URL without the bearer token, following a redirect on loopback', async () => {
    const before = served.length;
    const { result } = await logVia('/hop');
    assert.equal(result.issues.length, 3);
    assert.deepEqual(served.slice(before), [
      { path: '/hop', authorization: undefined },
      { path: '/log.json?X-Amz-Signature=abc', authorization: undefined },
    ]);
  });

  it('refuses a redirect off https, a log larger than 16 MiB (declared or not), and gives up on 5xx after 3 attempts', async () => {
    await assert.rejects(logVia('/away'), /redirects to a place this client does not follow \(http:\/\/logs\.example\.com\)/);
    await assert.rejects(logVia('/big'), /the developer log is more than 16777216 bytes, more than this client reads/);
    await assert.rejects(logVia('/endless'), /the developer log is more than 16777216 bytes, more than this client reads/);
    await assert.rejects(logVia('/failing'), (error: unknown) => {
      assert.ok(error instanceof AscError);
      assert.equal(error.code, 'apple_unavailable');
      assert.match(error.message, /could not be fetched from 127\.0\.0\.1:\d+ \(HTTP 503, 3 attempts\)/);
      return true;
    });
  });

  it('is not fetched from an http URL off loopback, nor one with credentials in it', async () => {
    const submission = finished('Invalid');
    const client = notaryClient({ auth: recording(), baseUrl: notary.baseUrl });
    for (const url of ['http://logs.example.com/log.json', 'https://user:pw@logs.example.com/log.json', 'not a url', 'file:///etc/passwd']) {
      notary.options.hostile = { developerLogUrl: url };
      await assert.rejects(getSubmissionLog(client, submission.id), (error: unknown) => error instanceof AscError && error.code === 'bad_response' && !error.message.includes('pw@'), url);
    }
    notary.options.hostile = undefined;
  });
});

describe('the S3 side', () => {
  it('uploads to S3 in us-west-2, whatever the job’s AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3; ASC_NOTARY_S3_URL (https, or http on loopback) path-style (issue #20, finding 7)', () => {
    assert.deepEqual(notaryS3Endpoint({}), { endpoint: 'https://s3.us-west-2.amazonaws.com', forcePathStyle: false });
    assert.deepEqual(notaryS3Endpoint({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_S3: 'https://minio.example.com', AWS_REGION: 'eu-west-1', AWS_PROFILE: 'job' }), { endpoint: 'https://s3.us-west-2.amazonaws.com', forcePathStyle: false });
    assert.deepEqual(notaryS3Endpoint({ ASC_NOTARY_S3_URL: 'http://127.0.0.1:5000/', AWS_ENDPOINT_URL_S3: 'https://minio.example.com' }), { endpoint: 'http://127.0.0.1:5000', forcePathStyle: true });
    assert.deepEqual(notaryS3Endpoint({ ASC_NOTARY_S3_URL: 'https://s3-emulator.example.com' }), { endpoint: 'https://s3-emulator.example.com', forcePathStyle: true });
    assert.throws(() => notaryS3Endpoint({ ASC_NOTARY_S3_URL: 'http://s3-proxy.example.com' }), /ASC_NOTARY_S3_URL must be an https: URL/);
    assert.throws(() => notaryS3Endpoint({ ASC_NOTARY_S3_URL: 'https://u:p@s3-proxy.example.com' }), /must not carry credentials/);
  });

  it('one PutObject up to a part, then 8 MiB parts, larger ones beyond S3’s 10,000 parts', () => {
    assert.equal(DEFAULT_PART_SIZE, 8 * MiB);
    assert.equal(partsFor(1), 1);
    assert.equal(partsFor(8 * MiB), 1);
    assert.equal(partsFor(8 * MiB + 1), 2);
    assert.equal(partsFor(100 * 1024 * MiB), 10_000);
    assert.equal(partsFor(12 * MiB, 1024), 3, 'never below S3’s 5 MiB minimum');
  });

  it('takes .zip, .dmg and .pkg by their content too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'asc-notary-file-'));
    try {
      const trailer = Buffer.alloc(512);
      trailer.write('koly', 0, 'latin1');
      writeFileSync(join(dir, 'A.zip'), Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(100)]));
      writeFileSync(join(dir, 'A.PKG'), Buffer.concat([Buffer.from('xar!', 'latin1'), Buffer.alloc(100)]));
      writeFileSync(join(dir, 'A.dmg'), Buffer.concat([Buffer.alloc(3000), trailer]));
      writeFileSync(join(dir, 'Small.dmg'), 'koly');
      for (const name of ['A.zip', 'A.PKG', 'A.dmg']) assert.equal((await checkNotaryFile(join(dir, name))).fileName, name);
      await assert.rejects(checkNotaryFile(join(dir, 'Small.dmg')), /Small\.dmg is not a UDIF disk image/);
      await assert.rejects(checkNotaryFile(dir), /notarize takes a \.zip, a \.dmg or a \.pkg/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
