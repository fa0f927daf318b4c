/**
 * `npm start -- --with-apple` as a newcomer uses it (README's quickstart): the banner's lines pasted into a shell
 * upload the sample .ipa and notarize the sample .zip through the real CLI; files of several parts go through the
 * same way; and the local Apple refuses what Apple refuses — a token of a key it does not know, a token whose scope
 * does not name the call, S3 credentials used for another object or signed with the wrong secret.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignJWT } from 'jose';
import yazl from 'yazl';
import { npmStartArgs } from '../helpers/local-server.ts';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/cli.mjs');
let dir: string;
let child: ReturnType<typeof spawn>;
let output = '';
/** The banner's export lines as variables, and its two commands. */
let pasted: { env: Record<string, string>; upload: string; notarize: string };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'asc-with-apple-'));
  const env = { ...process.env, PORT: '0' } as Record<string, string | undefined>;
  for (const name of ['POLICY_FILE', 'LOCAL_CREDENTIALS_FILE', 'KEY_SOURCE', 'LOG_LEVEL', 'APPLE_PORT']) delete env[name];
  child = spawn(process.execPath, [...npmStartArgs(root), '--with-apple'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no banner within 20 s: ${output}`)), 20_000);
    child.stdout?.on('data', () => {
      if (output.includes('Ctrl-C stops the server')) ready(clearTimeout(timer));
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code}: ${output}`)));
  });
  const lines = output.split('\n').map((line) => line.trim());
  const exported: Record<string, string> = {};
  for (const line of lines.filter((l) => l.startsWith('export '))) {
    for (const pair of line.slice('export '.length).split(' ')) {
      const [name = '', value = ''] = pair.split(/=(.*)/s);
      exported[name] = value;
    }
  }
  pasted = { env: exported, upload: lines.find((l) => l.startsWith('node dist/cli.mjs upload ')) ?? '', notarize: lines.find((l) => l.startsWith('node dist/cli.mjs notarize ')) ?? '' };
});

after(() => {
  child?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** A command of the banner's, or any CLI arguments, run as the pasted shell would: its exit code and output. */
async function asc(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { ...process.env, ...pasted.env, ...extraEnv };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'ASC_TOKEN_PROFILE', 'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) delete env[name];
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: dir, env, maxBuffer: 8 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
/** Wait until the server has logged a line matching `pattern` (its log follows the answer by a moment). */
async function logged(pattern: RegExp): Promise<void> {
  for (let waited = 0; !pattern.test(output); waited += 50) {
    if (waited > 5000) assert.fail(`the server did not log ${pattern} within 5 s:\n${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const commandArgs = (line: string) => line.replace(/^node dist\/cli\.mjs /, '').split(' ');

function zipOf(file: string, entries: Array<[string, Buffer]>): Promise<void> {
  return new Promise((done, fail) => {
    const zip = new yazl.ZipFile();
    for (const [name, data] of entries) zip.addBuffer(data, name, { compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('error', fail).on('end', () => done(writeFileSync(file, Buffer.concat(chunks))));
  });
}

describe('npm start -- --with-apple', () => {
  it('prints the variables to paste and an upload and a notarize line for sample files it wrote', () => {
    assert.deepEqual(Object.keys(pasted.env).sort(), ['ASC_API_URL', 'ASC_NOTARY_S3_URL', 'ASC_NOTARY_URL', 'ASC_TOKEN_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], output);
    for (const url of [pasted.env.ASC_API_URL, pasted.env.ASC_NOTARY_URL, pasted.env.ASC_NOTARY_S3_URL]) assert.match(url ?? '', /^http:\/\/127\.0\.0\.1:\d+/, output);
    assert.match(pasted.upload, /^node dist\/cli\.mjs upload \.local\/apple\/Sample\.ipa --profile dev$/, output);
    assert.match(pasted.notarize, /^node dist\/cli\.mjs notarize \.local\/apple\/Sample\.zip --profile dev$/, output);
  });

  it('the banner\'s upload line uploads the sample .ipa: Apple processes it to COMPLETE', async () => {
    const result = await asc([...commandArgs(pasted.upload), '--output', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout);
    assert.equal(answer.state, 'COMPLETE', result.stdout);
    assert.equal(answer.bundleId, 'com.example.sample', result.stdout);
    assert.equal(answer.rateLimit.hourlyLimit, 3500, result.stdout);
    const again = await asc(commandArgs(pasted.upload));
    assert.notEqual(again.code, 0, 'the same build twice is refused, as Apple refuses it');
    assert.match(again.stderr, /higher than the previously uploaded version/, again.stderr);
  });

  it('the banner\'s notarize line notarizes the sample .zip: Accepted, and its log reads', async () => {
    const result = await asc([...commandArgs(pasted.notarize), '--output', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const answer = JSON.parse(result.stdout);
    assert.equal(answer.status, 'Accepted', result.stdout);
    const log = await asc(['notarize', '--log', answer.id, '--profile', 'dev']);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout + log.stderr, /Ready for distribution/);
  });

  it('files of several parts: a 12 MiB .pkg in three operations, a 20 MiB .zip in a multipart S3 upload', async () => {
    const pkg = join(dir, 'Big.pkg');
    writeFileSync(pkg, randomBytes(12 * 1024 * 1024));
    const upload = await asc(['upload', pkg, '--profile', 'dev', '--bundle-id', 'com.example.big', '--version', '2.0', '--build', '7', '--platform', 'MAC_OS', '--verbose']);
    assert.equal(upload.code, 0, upload.stderr);
    assert.match(upload.stderr, /in 3 parts/, upload.stderr);
    assert.match(upload.stdout, /COMPLETE/, upload.stdout);
    const zip = join(dir, 'Big.zip');
    await zipOf(zip, [['Big.app/Contents/MacOS/Big', randomBytes(20 * 1024 * 1024)]]);
    const notarize = await asc(['notarize', zip, '--profile', 'dev']);
    assert.equal(notarize.code, 0, notarize.stderr);
    assert.match(notarize.stderr, /in 3 parts/, notarize.stderr);
    assert.match(notarize.stdout, /Accepted/, notarize.stdout);
  });

  it('refuses a token signed by a key it does not hold, and one whose scope does not name the call, with Apple\'s 401', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Math.floor(Date.now() / 1000);
    const stranger = await new SignJWT({ aud: 'appstoreconnect-v1', iss: 'someone' }).setProtectedHeader({ alg: 'ES256', kid: 'STRANGER01', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + 600).sign(privateKey);
    const refused = await fetch(`${pasted.env.ASC_API_URL}/v1/apps?filter[bundleId]=com.example.sample`, { headers: { authorization: `Bearer ${stranger}` } });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { errors: Array<{ code: string }> }).errors[0]?.code, 'NOT_AUTHORIZED');
    await logged(/token refused: kid \\"STRANGER01\\" is not a key of the local server/);
    // A kid that is a workflow command reaches the server's log as one printable line a runner reads nothing in.
    const hostile = await new SignJWT({ aud: 'appstoreconnect-v1' }).setProtectedHeader({ alg: 'ES256', kid: '##[stop-commands]pause1', typ: 'JWT' }).setIssuedAt(now).setExpirationTime(now + 600).sign(privateKey);
    assert.equal((await fetch(`${pasted.env.ASC_API_URL}/v1/apps`, { headers: { authorization: `Bearer ${hostile}` } })).status, 401);
    await logged(/kid \\"# #\[stop-commands\]pause1\\"/);
    assert.doesNotMatch(output, /##\[/, 'no ##[ in the server output');

    const vended = await asc(['token', 'dev-readonly', '--scope', 'GET /v1/apps', '--output', 'json']);
    assert.equal(vended.code, 0, vended.stderr);
    const token = JSON.parse(vended.stdout).token as string;
    const allowed = await fetch(`${pasted.env.ASC_API_URL}/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(allowed.status, 200, 'the scope names GET /v1/apps');
    const other = await fetch(`${pasted.env.ASC_API_URL}/v1/buildUploads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(other.status, 401, 'the scope does not name POST /v1/buildUploads');
    await logged(/the token's scope does not name POST \/v1\/buildUploads/);

    // Signed with the local key itself, as the service would not vend these: entries are compared as written, and
    // no URL resolution turns another path into this one; a token dated ahead is refused however short its lifetime.
    const local = JSON.parse(readFileSync(join(dir, '.local/keys/dev.json'), 'utf8')) as { keyId: string; issuerId: string; privateKey: string };
    const sign = (claims: Record<string, unknown>, iat = now) =>
      new SignJWT({ aud: 'appstoreconnect-v1', iss: local.issuerId, ...claims }).setProtectedHeader({ alg: 'ES256', kid: local.keyId, typ: 'JWT' }).setIssuedAt(iat).setExpirationTime(iat + 600).sign(createPrivateKey(local.privateKey));
    const apps = async (jwt: string) => (await fetch(`${pasted.env.ASC_API_URL}/v1/apps`, { headers: { authorization: `Bearer ${jwt}` } })).status;
    assert.equal(await apps(await sign({ scope: ['GET /v1/apps'] })), 200, 'the local key, scope naming the call');
    for (const entry of ['GET //evil.example/v1/apps', 'GET /v1/builds/../apps', 'GET /v1/apps/', 'get /v1/apps']) {
      assert.equal(await apps(await sign({ scope: [entry] })), 401, `${entry} does not name GET /v1/apps`);
    }
    const dated = { status: await apps(await sign({}, now + 10 * 365 * 86_400)) };
    assert.equal(dated.status, 401, 'a token from the future');
  });

  it('its bucket refuses a submission\'s credentials for another object, and a wrong secret', async () => {
    const vended = await asc(['token', 'dev', '--output', 'json']);
    const token = JSON.parse(vended.stdout).token as string;
    const created = await fetch(`${pasted.env.ASC_NOTARY_URL}/submissions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ submissionName: 'x.zip', sha256: 'a'.repeat(64) }) });
    assert.equal(created.status, 200);
    const { attributes: a } = ((await created.json()) as { data: { attributes: Record<string, string> } }).data;
    const put = async (key: string, secretAccessKey: string) => {
      const s3 = new S3Client({ region: 'us-west-2', endpoint: pasted.env.ASC_NOTARY_S3_URL, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: a.awsAccessKeyId!, secretAccessKey, sessionToken: a.awsSessionToken! } });
      try {
        await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: key, Body: 'data' }));
        return 'stored';
      } catch (error) {
        return (error as { name: string }).name;
      } finally {
        s3.destroy();
      }
    };
    assert.equal(await put(`${a.object}-other`, a.awsSecretAccessKey!), 'AccessDenied');
    assert.equal(await put(a.object!, `${a.awsSecretAccessKey}x`), 'SignatureDoesNotMatch');
    assert.equal(await put(a.object!, a.awsSecretAccessKey!), 'stored', 'the submission\'s own object, signed right');
  });

  it('takes no file past its size limit: a build upload file of 10 TB is refused (422), the server unmoved', async () => {
    const vended = await asc(['token', 'dev', '--output', 'json']);
    const headers = { authorization: `Bearer ${JSON.parse(vended.stdout).token}`, 'content-type': 'application/json' };
    const upload = await fetch(`${pasted.env.ASC_API_URL}/v1/buildUploads`, { method: 'POST', headers, body: JSON.stringify({ data: { type: 'buildUploads', attributes: { cfBundleShortVersionString: '9.9', cfBundleVersion: '1', platform: 'IOS' }, relationships: { app: { data: { type: 'apps', id: '1' } } } } }) });
    assert.equal(upload.status, 201);
    const id = ((await upload.json()) as { data: { id: string } }).data.id;
    const file = await fetch(`${pasted.env.ASC_API_URL}/v1/buildUploadFiles`, { method: 'POST', headers, body: JSON.stringify({ data: { type: 'buildUploadFiles', attributes: { fileName: 'Huge.ipa', fileSize: 10 * 1024 ** 4, assetType: 'ASSET', uti: 'com.apple.ipa' }, relationships: { buildUpload: { data: { type: 'buildUploads', id } } } } }) });
    assert.equal(file.status, 422);
    assert.equal((await fetch(`${pasted.env.ASC_API_URL}/v1/apps`, { headers })).status, 200, 'still serving');
  });

  it('refuses an argument it does not know, with its usage', async () => {
    const result = await run(process.execPath, [...npmStartArgs(root), '--with-aple'], { cwd: dir, env: { ...process.env, PORT: '0' } }).catch((e: { code: number; stderr: string }) => e);
    assert.equal((result as { code: number }).code, 1);
    assert.match((result as { stderr: string }).stderr, /unknown argument "--with-aple"\nusage: npm start \[-- --with-apple\]/);
  });
});
