/** A complete service in a temp directory: generated keys, a policy file, the real runtime and handler. */
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHandler } from '../../src/handler.ts';
import { createRuntime, type RuntimeOptions } from '../../src/runtime.ts';
import { captureLogs } from './logs.ts';
import { generateP256, secretJson, type TestKey } from './keys.ts';

export const TEST_POLICY = `
version: 1
keys:
  main: { secretId: asc/main }
  broken: { secretId: asc/broken }
  missing: { secretId: asc/missing }
profiles:
  ci:
    key: main
    scope: [GET /v1/builds, GET /v1/apps/*/builds]
    ttl: { default: 600, max: 1200 }
    callers:
      - arn:aws:iam::123456789012:role/Admin
      - arn:aws:iam::111122223333:user/example-user
      - arn:aws:iam::000000000000:role/local-developer
  release:
    key: main
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin, arn:aws:iam::111122223333:user/example-user, arn:aws:iam::000000000000:role/local-developer]
  storekit:
    key: main
    api: app-store-server
    bundleId: com.example.app
    scope: any
    ttl: { default: 300, max: 3600 }
    callers: [arn:aws:iam::123456789012:role/Admin]
  broken-key:
    key: broken
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin]
  missing-key:
    key: missing
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin, arn:aws:iam::000000000000:role/local-developer]
  other-team:
    key: main
    scope: any
    callers: [arn:aws:iam::999999999999:role/someone-else]
`;

export interface Service {
  dir: string;
  key: TestKey;
  logs: ReturnType<typeof captureLogs>;
  handler: ReturnType<typeof createHandler>;
  cleanup: () => void;
}

export function createService(options: { policy?: string; env?: Record<string, string>; runtime?: Partial<RuntimeOptions> } = {}): Service {
  const dir = mkdtempSync(join(tmpdir(), 'asc-test-'));
  const key = generateP256();
  mkdirSync(join(dir, 'keys'));
  writeFileSync(join(dir, 'keys', 'main.json'), secretJson(key));
  writeFileSync(join(dir, 'keys', 'broken.json'), JSON.stringify({ keyId: '2X9R4HXF34', privateKey: key.pem.replace(/[A-Za-z0-9+/]{64}\n/, '') }));
  writeFileSync(join(dir, 'policy.yaml'), options.policy ?? TEST_POLICY);
  const logs = captureLogs();
  const handler = createHandler({
    init: () =>
      createRuntime({
        env: { POLICY_FILE: join(dir, 'policy.yaml'), KEY_SOURCE: 'local', ...options.env },
        localKeyDirectory: join(dir, 'keys'),
        sink: logs.sink,
        ...options.runtime,
      }),
  });
  return { dir, key, logs, handler, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
