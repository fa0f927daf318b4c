/**
 * S3 for the notary tests: moto's server (`python3 -m moto.server`, what `moto_server` runs and what .ci/run checks
 * for; the machine image has it, CI installs nothing for it) on a free 127.0.0.1 port, started once per test file
 * and stopped by its PID. Missing moto fails loudly: the tests that need it must not skip.
 *
 * Set up as Apple's side is: a bucket, an IAM user for the notary service itself (it reads objects and assumes
 * the upload role), and an upload role allowed `s3:PutObject` under `prod/` only. Then moto's request
 * authentication is switched on (`/moto-api/reset-auth`): from there every S3 request must carry a valid SigV4
 * signature from credentials moto issued — a submission's temporary ones from STS AssumeRole, with their session
 * token — and is checked against the role's policy. An upload signed with the job's own AWS credentials, without
 * the session token, or to another key is refused as real S3 refuses it.
 *
 * moto's signature check mis-encodes `:` in an object key (real S3 does not), so the fake's keys use `-` where
 * Apple's have `:` (`prod/AROA…-<uuid>` for Apple's `prod/AROA…:<uuid>`); test/asc/notary.test.ts checks that
 * Apple's own form passes the client's key check.
 */
import { freePort } from './ports.ts';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export const NOTARY_BUCKET = 'notary-submissions-test';
const REGION = 'us-west-2';

export interface UploadCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The assumed role's ID (`AROA…`), as Apple's object keys start with it. */
  roleId: string;
}

export interface MotoS3 {
  endpoint: string;
  bucket: string;
  /** Temporary credentials for one submission (STS AssumeRole on the upload role). */
  assumeUploader(session: string): Promise<UploadCredentials>;
  /** The object's SHA-256, size and ETag, read through the S3 API; undefined when there is no such object. */
  object(key: string): Promise<{ sha256: string; size: number; etag: string } | undefined>;
  /** What moto printed (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export async function startMotoS3(): Promise<MotoS3> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  const moto: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  moto.stdout!.on('data', (chunk) => output.push(String(chunk)));
  moto.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const spawned = new Promise<string>((ok) => {
    const missing = 'install moto with its server for python3 (pip install "moto[server]"): the notary tests need it and do not skip';
    moto.once('error', (error: NodeJS.ErrnoException) => ok(error.code === 'ENOENT' ? `python3 is not on PATH: ${missing}` : error.message));
    moto.once('exit', (code) => ok(`python3 -m moto.server exited (${code}) before answering — ${missing}: ${output.join('').slice(-2000)}`));
  });
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (ready) break;
    const failed = await Promise.race([spawned, new Promise<undefined>((ok) => setTimeout(() => ok(undefined), 200))]);
    if (failed !== undefined) assert.fail(failed);
    assert.ok(attempt < 300, `moto's server did not answer on ${endpoint} within a minute: ${output.join('').slice(-2000)}`);
  }
  const stop = async () => {
    if (moto.exitCode === null && moto.signalCode === null) {
      const exited = new Promise((ok) => moto.once('exit', ok));
      moto.kill('SIGTERM');
      await exited;
    }
  };

  try {
    // Set-up, before moto checks anything.
    const setup = { endpoint, region: REGION, credentials: { accessKeyId: 'setup', secretAccessKey: 'setup' } };
    await new S3Client({ ...setup, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: NOTARY_BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    const iam = new IAMClient(setup);
    await iam.send(new CreateUserCommand({ UserName: 'notary-service' }));
    const service = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${NOTARY_BUCKET}/*` },
      ],
    };
    await iam.send(new PutUserPolicyCommand({ UserName: 'notary-service', PolicyName: 'read-submissions', PolicyDocument: JSON.stringify(service) }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'notary-service' }))).AccessKey!;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }] };
    const role = (await iam.send(new CreateRoleCommand({ RoleName: 'notary-upload', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
    const upload = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: `arn:aws:s3:::${NOTARY_BUCKET}/prod/*` }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: 'notary-upload', PolicyName: 'upload-submissions', PolicyDocument: JSON.stringify(upload) }));
    // From here on, moto authenticates and authorises every request.
    const switched = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    assert.equal(switched.status, 200, `moto did not switch authentication on: ${await switched.text()}`);

    const admin = { endpoint, region: REGION, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } };
    const sts = new STSClient(admin);
    const s3 = new S3Client({ ...admin, forcePathStyle: true });
    return {
      endpoint,
      bucket: NOTARY_BUCKET,
      async assumeUploader(session) {
        const answer = await sts.send(new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: session.slice(0, 64), DurationSeconds: 43_200 }));
        const c = answer.Credentials!;
        return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken!, roleId: answer.AssumedRoleUser!.AssumedRoleId!.split(':')[0]! };
      },
      async object(key) {
        let head;
        try {
          head = await s3.send(new HeadObjectCommand({ Bucket: NOTARY_BUCKET, Key: key }));
        } catch (error) {
          if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
          throw error;
        }
        const body = (await s3.send(new GetObjectCommand({ Bucket: NOTARY_BUCKET, Key: key }))).Body as AsyncIterable<Uint8Array>;
        const hash = createHash('sha256');
        for await (const chunk of body) hash.update(chunk);
        return { sha256: hash.digest('hex'), size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
      },
      log: () => output.join(''),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
