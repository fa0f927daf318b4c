/**
 * The runbook docs/keys.md#rotating-a-kms-held-key-runbook as ops do it, shared by its two tests (kms-runbook.test.ts through
 * the handler in process, kms-runbook.dist.test.ts through the built local server): a KMS and App Store Connect on
 * loopback, the .p8 files and the policy in a temporary directory, the CLI run in process for each ops step.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { main } from '../../src/cli/main.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { startFakeApple } from '../helpers/fake-apple.ts';
import { assertNoMaterial, generateP256, verifyEs256, type TestKey } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

export const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const oldKey = generateP256();
const newKey = generateP256();
const publicKeys: Record<string, TestKey> = { OLDKEY0001: oldKey, NEWKEY0001: newKey };
const POLICY = `version: 1
keys:
  main: { kmsKeyId: alias/asc/main, keyId: OLDKEY0001, issuerId: ${ISSUER} }
profiles:
  release:
    key: main
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin, arn:aws:iam::000000000000:role/local-developer]
`;

/** The directory with the .p8 files and policy.yaml, the KMS on loopback, and the ops role's client of it. */
export const runbook = {} as { dir: string; kms: FakeKms; ops: KMSClient };
let apple: Awaited<ReturnType<typeof startFakeApple>>;

/** Registers the test file's before and after hooks that set up `runbook` and take it down. */
export function useRunbook(): void {
  before(async () => {
    runbook.dir = mkdtempSync(join(tmpdir(), 'asc-kms-runbook-'));
    writeFileSync(join(runbook.dir, 'AuthKey_OLDKEY0001.p8'), oldKey.pem);
    writeFileSync(join(runbook.dir, 'AuthKey_NEWKEY0001.p8'), newKey.pem);
    writeFileSync(join(runbook.dir, 'policy.yaml'), POLICY);
    runbook.kms = await new FakeKms().start();
    apple = await startFakeApple(new Map([['OLDKEY0001', oldKey.publicKey], ['NEWKEY0001', newKey.publicKey]]));
    runbook.ops = new KMSClient({ endpoint: runbook.kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOPS', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  after(async () => {
    await runbook.kms?.stop();
    apple?.stop();
    if (runbook.dir) rmSync(runbook.dir, { recursive: true, force: true });
  });
}

async function cli(...argv: string[]) {
  let out = '';
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {}, cwd: runbook.dir, now: Date.now }, { kms: runbook.ops });
  for (const key of [oldKey, newKey]) assertNoMaterial(out, key);
  trackOutput(out);
  assert.equal(code, 0, `asc-token ${argv.join(' ')}: ${out}`);
  return out;
}

/** Ops: a new KMS key for the .p8 (as infra/kms-key.yml makes it), import, verify with Apple. Returns its ARN. */
export async function importIntoNewKey(p8: string, aliasName?: string): Promise<string> {
  const created = await runbook.ops.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Origin: 'EXTERNAL', Description: p8 }));
  const arn = created.KeyMetadata?.Arn as string;
  if (aliasName) runbook.kms.aliases.set(aliasName, created.KeyMetadata?.KeyId as string);
  await cli('keys', 'import', '--kms-key-id', arn, '--p8', p8, '--issuer-id', ISSUER);
  assert.match(await cli('keys', 'verify', '--kms-key-id', arn, '--apple-url', apple.url), /ok: App Store Connect accepted/);
  return arn;
}

/** The token's kid, after checking it was signed by that kid's key. */
export function checkedKid(token: string): string {
  const kid = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid as string;
  const key = publicKeys[kid];
  assert.ok(key, `unknown kid ${kid}`);
  verifyEs256(token, key.publicKey);
  return kid;
}
