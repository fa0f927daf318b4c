/**
 * uploadBuild against the fake App Store Connect (Apple's schemas, tokens verified with the key's public half),
 * with tokens signed in process by the local-key strategy. Waits use an instant sleep and a clock it moves.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppStoreConnectClient } from '../../src/asc/api.ts';
import { AscError } from '../../src/asc/errors.ts';
import { localKeyAuth } from '../../src/asc/local.ts';
import { BuildUploadError, stateName, uploadBuild, type UploadBuildOptions, type UploadEvent } from '../../src/asc/upload.ts';
import { FakeAppStoreConnect, type FakeAscOptions } from '../helpers/fake-asc.ts';
import { PLIST, writeIpa } from '../helpers/fake-asc-ipa.ts';
import { ISSUER_ID, TEAM_KEY_ID, generateP256 } from '../helpers/keys.ts';

const key = generateP256();
const APP = { id: '1234567890', bundleId: 'com.example.app' };
let dir: string;
let ipa: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-upload-'));
  ipa = join(dir, 'Example.ipa');
  await writeIpa(ipa, { payloadBytes: 3 * 1024 * 1024 + 12_345 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fake, a client on it, and a clock that the instant sleep moves forward. */
async function setup(fake: Partial<FakeAscOptions> = {}) {
  const clock = { t: Date.now() };
  const now = () => clock.t;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock.t += ms;
  };
  const asc = await new FakeAppStoreConnect({ publicKey: key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [APP], partSize: 512 * 1024, requireScope: true, now, ...fake }).start();
  const client = new AppStoreConnectClient({ auth: localKeyAuth({ keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, privateKey: key.privateKey, now }), baseUrl: asc.url, sleep });
  const events: UploadEvent[] = [];
  const upload = (options: Partial<UploadBuildOptions> = {}) => uploadBuild({ client, file: ipa, onEvent: (e) => events.push(e), sleep, now, ...options });
  return { asc, client, upload, events, sleeps, clock };
}

describe('uploadBuild', () => {
  it('uploads the exact bytes in parts, commits their SHA-256 and waits for COMPLETE, every call with a token scoped to it', async () => {
    const { asc, upload, events, sleeps } = await setup({ processingChecks: 3, warnings: [{ code: 'MISSING_PURPOSE_STRING', description: 'NSCameraUsageDescription is recommended.' }] });
    try {
      const result = await upload();
      assert.deepEqual(asc.problems, []);
      const bytes = readFileSync(ipa);
      const upload0 = [...asc.buildUploads.values()][0]!;
      assert.deepEqual(asc.received(upload0.fileId!), bytes);
      assert.equal(asc.files.get(upload0.fileId!)!.operations.length, 7, 'several upload operations');
      assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.deepEqual(
        { id: result.id, state: result.state, appId: result.appId, bundleId: result.bundleId, version: result.version, build: result.build, platform: result.platform, fileName: result.fileName, fileSize: result.fileSize },
        { id: upload0.id, state: 'COMPLETE', appId: APP.id, bundleId: PLIST.CFBundleIdentifier, version: '1.4.0', build: '45', platform: 'IOS', fileName: 'Example.ipa', fileSize: bytes.length },
      );
      assert.deepEqual(result.warnings, [{ code: 'MISSING_PURPOSE_STRING', detail: 'NSCameraUsageDescription is recommended.' }]);
      assert.deepEqual(upload0, { ...upload0, appId: APP.id, version: '1.4.0', build: '45', platform: 'IOS' });
      // Each API call's token names exactly that call.
      const api = asc.requests.map((r) => [`${r.method} ${r.path}`, r.scope]);
      assert.deepEqual(api.slice(0, 4), [
        ['GET /v1/apps?filter[bundleId]=com.example.app', ['GET /v1/apps?filter[bundleId]=com.example.app']],
        ['POST /v1/buildUploads', ['POST /v1/buildUploads']],
        ['POST /v1/buildUploadFiles', ['POST /v1/buildUploadFiles']],
        [`PATCH /v1/buildUploadFiles/${upload0.fileId}`, [`PATCH /v1/buildUploadFiles/${upload0.fileId}`]],
      ]);
      assert.equal(asc.requests.filter((r) => r.path === `/v1/buildUploads/${upload0.id}`).length, 4, 'three PROCESSING checks, then COMPLETE');
      // The wait: first check within 5 s, then backing off, never more than 30 s apart.
      assert.ok(sleeps[0]! <= 5000 && sleeps.every((ms) => ms <= 30_000), JSON.stringify(sleeps));
      assert.deepEqual(events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state), ['PROCESSING', 'PROCESSING', 'PROCESSING', 'COMPLETE']);
      const progress = events.filter((e) => e.type === 'transfer-progress').map((e) => (e as { sent: number }).sent);
      assert.equal(progress.at(-1), bytes.length);
    } finally {
      asc.stop();
    }
  });

  it('reads an XML Info.plist too; flags override it; --app-id skips the app lookup', async () => {
    const { asc, upload } = await setup();
    try {
      const xml = join(dir, 'Xml.ipa');
      await writeIpa(xml, { format: 'xml', plist: { ...PLIST, CFBundleVersion: '7' } });
      const result = await upload({ file: xml, appId: APP.id, build: '8', version: '2.0' });
      assert.deepEqual([result.version, result.build, result.state], ['2.0', '8', 'COMPLETE']);
      assert.ok(!asc.requests.some((r) => r.path.startsWith('/v1/apps')));
      assert.deepEqual(asc.problems, []);
    } finally {
      asc.stop();
    }
  });

  it('retries a part that fails once (503, or a connection reset mid-body) and still delivers the exact bytes', async () => {
    const { asc, upload, events } = await setup({ partFaults: new Map([[1, 'error503'], [4, 'reset']]) });
    try {
      const result = await upload();
      assert.equal(result.state, 'COMPLETE');
      const fileId = [...asc.files.keys()][0]!;
      assert.deepEqual(asc.received(fileId), readFileSync(ipa));
      assert.deepEqual(asc.problems, []);
      const retries = events.filter((e) => e.type === 'part-retry') as Array<{ part: number; reason: string }>;
      assert.deepEqual(retries.map((r) => r.part).sort(), [2, 5]);
      assert.ok(retries.some((r) => r.reason === 'HTTP 503'));
      assert.equal(asc.files.get(fileId)!.operations[1]!.attempts, 2);
    } finally {
      asc.stop();
    }
  });

  it('a part refused with 403 (an expired URL) is not retried: upload_refused, nothing committed', async () => {
    const { asc, upload } = await setup({ partFaults: new Map([[2, 'forbidden']]) });
    try {
      await assert.rejects(upload(), (error: unknown) => error instanceof AscError && error.code === 'upload_refused' && error.status === 403 && /part 3 of 7/.test(error.message) && !error.message.includes('Signature'));
      assert.ok(!asc.requests.some((r) => r.method === 'PATCH'));
      assert.equal(asc.files.get([...asc.files.keys()][0]!)!.operations[2]!.attempts, 1);
    } finally {
      asc.stop();
    }
  });

  it('FAILED: build_failed with Apple’s errors', async () => {
    const failed = [
      { code: 'INVALID_SIGNATURE', description: 'Invalid Signature. A sealed resource is missing or invalid.' },
      { code: 'MISSING_ICON', description: 'Missing required icon file.' },
    ];
    const { asc, upload } = await setup({ processingChecks: 1, outcome: { failed } });
    try {
      await assert.rejects(upload(), (error: unknown) => {
        assert.ok(error instanceof BuildUploadError);
        assert.equal(error.code, 'build_failed');
        assert.deepEqual(error.appleErrors, [
          { code: 'INVALID_SIGNATURE', detail: failed[0]!.description },
          { code: 'MISSING_ICON', detail: failed[1]!.description },
        ]);
        assert.equal(error.result.state, 'FAILED');
        return true;
      });
    } finally {
      asc.stop();
    }
  });

  it('processing past the timeout: timeout, with the last state, after checks no more than 30 s apart', async () => {
    const { asc, upload, sleeps, clock } = await setup({ processingChecks: 'forever' });
    try {
      const start = clock.t;
      await assert.rejects(upload({ timeoutMs: 5 * 60_000 }), (error: unknown) => {
        assert.ok(error instanceof BuildUploadError);
        assert.equal(error.code, 'timeout');
        assert.equal(error.result.state, 'PROCESSING');
        assert.match(error.message, /still processing build upload [0-9a-f-]+ \(PROCESSING\) after 5m 00s/);
        return true;
      });
      assert.ok(clock.t - start >= 5 * 60_000 && clock.t - start < 5 * 60_000 + 1000, `waited ${clock.t - start} ms`);
      assert.ok(Math.max(...sleeps) <= 30_000);
      assert.ok(sleeps.length >= 12, 'kept checking until the bound');
    } finally {
      asc.stop();
    }
  });

  it('--no-wait returns after the commit with the state Apple reports then', async () => {
    const { asc, upload } = await setup({ processingChecks: 'forever' });
    try {
      const result = await upload({ wait: false });
      assert.equal(result.state, 'PROCESSING');
      assert.equal(asc.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/buildUploads/')).length, 1);
    } finally {
      asc.stop();
    }
  });

  it('a duplicate build: apple_refused 409 with Apple’s error, and a hint to raise the build number', async () => {
    const { asc, upload } = await setup();
    try {
      await upload({ wait: false });
      await assert.rejects(upload(), (error: unknown) => {
        assert.ok(error instanceof AscError);
        assert.equal(error.code, 'apple_refused');
        assert.equal(error.status, 409);
        assert.equal(error.appleErrors[0]?.code, 'ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE');
        assert.match(error.hint ?? '', /CFBundleVersion/);
        return true;
      });
    } finally {
      asc.stop();
    }
  });

  it('an app the team does not have: app_not_found', async () => {
    const { asc, upload } = await setup({ apps: [] });
    try {
      await assert.rejects(upload(), (error: unknown) => error instanceof AscError && error.code === 'app_not_found' && /com\.example\.app/.test(error.message));
    } finally {
      asc.stop();
    }
  });

  it('bad input is refused before any call to Apple', async () => {
    const { asc, upload } = await setup();
    try {
      const cases: Array<[string, Partial<UploadBuildOptions> | (() => Promise<Partial<UploadBuildOptions>>), RegExp]> = [
        ['not an ipa', { file: join(dir, 'notes.txt') }, /upload takes an \.ipa/],
        ['missing', { file: join(dir, 'missing.ipa') }, /no such file/],
        ['not a zip', async () => (await import('node:fs')).writeFileSync(join(dir, 'text.ipa'), 'hello') ?? { file: join(dir, 'text.ipa') }, /not a readable zip archive/],
        ['no Info.plist', async () => (await writeIpa(join(dir, 'empty.ipa'), { entries: [{ name: 'README', data: Buffer.from('x') }] }), { file: join(dir, 'empty.ipa') }), /no Payload\/NAME\.app\/Info\.plist/],
        ['not a plist', async () => (await writeIpa(join(dir, 'garbage.ipa'), { entries: [{ name: 'Payload/A.app/Info.plist', data: Buffer.from('{{{ not a plist') }] }), { file: join(dir, 'garbage.ipa') }), /not a property list/],
        ['two apps', async () => (await writeIpa(join(dir, 'two.ipa'), { entries: [{ name: 'Payload/A.app/Info.plist', data: Buffer.from('<plist/>') }, { name: 'Payload/B.app/Info.plist', data: Buffer.from('<plist/>') }] }), { file: join(dir, 'two.ipa') }), /holds 2 apps/],
        ['no version', async () => (await writeIpa(join(dir, 'nover.ipa'), { plist: { CFBundleIdentifier: 'com.example.app', CFBundleVersion: '1' } }), { file: join(dir, 'nover.ipa') }), /has no CFBundleShortVersionString/],
        ['bad build', { build: '1.2.3.4' }, /not one to three period-separated integers/],
        ['bad bundle id', { bundleId: 'has space' }, /not a reverse-DNS identifier/],
        ['pkg without flags', async () => ((await import('node:fs')).writeFileSync(join(dir, 'App.pkg'), 'xar!'), { file: join(dir, 'App.pkg') }), /\.pkg: pass CFBundleShortVersionString/],
      ];
      (await import('node:fs')).writeFileSync(join(dir, 'notes.txt'), 'x');
      for (const [label, options, message] of cases) {
        const resolved = typeof options === 'function' ? await options() : options;
        await assert.rejects(upload(resolved), (error: unknown) => {
          assert.ok(error instanceof AscError, `${label}: ${error}`);
          assert.equal(error.code, 'invalid_input', label);
          assert.match(error.message, message, label);
          return true;
        });
      }
      assert.deepEqual(asc.requests, [], 'no call reached Apple');
    } finally {
      asc.stop();
    }
  });
});

describe('build upload states from Apple', () => {
  it('are shown only when they are state names: anything else is UNKNOWN, never raw text', () => {
    for (const state of ['PROCESSING', 'COMPLETE', 'FAILED', 'AWAITING_UPLOAD', 'A_STATE_APPLE_ADDS_LATER']) assert.equal(stateName(state), state);
    for (const state of ['FAILED\n::error title=pwned::x', 'COMPLETE\u001b[2J', '', 'processing', 42, null, undefined, 'X'.repeat(41)]) assert.equal(stateName(state), 'UNKNOWN', String(state));
  });
});
