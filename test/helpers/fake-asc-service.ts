/**
 * The token service as the upload and exec tests use it: the real handler behind the local server (SigV4, as in
 * production), on a clock the test can move, with the `testflight-upload` profile exactly as infra/policy.yaml
 * ships it (so the tests prove the shipped patterns are enough), `notarize` as shipped, an unscoped profile and a
 * short-lived one.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { LocalCredential } from '../../src/local/verify.ts';
import { startLocalServer } from './local-server.ts';
import { createService, type Service } from './setup.ts';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEV: LocalCredential = { accessKeyId: 'AKIDUPLOADTEST000001', secretAccessKey: 'upload-test-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/ios-release/ci-job' };
export const credentials = async () => ({ accessKeyId: DEV.accessKeyId, secretAccessKey: DEV.secretAccessKey });
/** What the built CLI needs in its environment to sign as DEV. */
export const DEV_ENV = { AWS_ACCESS_KEY_ID: DEV.accessKeyId, AWS_SECRET_ACCESS_KEY: DEV.secretAccessKey, AWS_REGION: 'eu-west-1' };

/** The scope patterns of infra/policy.yaml's testflight-upload profile. */
export function shippedUploadScope(): string[] {
  const policy = parse(readFileSync(join(root, 'infra/policy.yaml'), 'utf8')) as { profiles: Record<string, { scope: string[] }> };
  return policy.profiles['testflight-upload']!.scope;
}

/** infra/policy.yaml's notarize profile: its scope (`any`) and ttl. */
export function shippedNotarizeProfile(): { scope: unknown; ttl: unknown } {
  const policy = parse(readFileSync(join(root, 'infra/policy.yaml'), 'utf8')) as { profiles: Record<string, { scope: unknown; ttl: unknown }> };
  const { scope, ttl } = policy.profiles.notarize!;
  return { scope, ttl };
}

export interface TokenService {
  url: string;
  service: Service;
  /** Milliseconds added to the service's clock (tests move it forward). */
  clock: { offset: number; now: () => number };
  /** Token requests the handler answered, by profile. */
  minted: string[];
  close: () => void;
}

export async function startTokenService(options: { skew?: number } = {}): Promise<TokenService> {
  const caller = 'arn:aws:iam::000000000000:role/ios-release';
  const policy = `
version: 1
keys:
  main: { secretId: asc/main }
profiles:
  testflight-upload:
    key: main
    scope: ${JSON.stringify(shippedUploadScope())}
    ttl: { default: 600, max: 1200 }
    callers: [${caller}]
  notarize:
    key: main
    scope: ${JSON.stringify(shippedNotarizeProfile().scope)}
    ttl: ${JSON.stringify(shippedNotarizeProfile().ttl)}
    callers: [${caller}]
  flat:
    key: main
    scope: [GET /v1/apps]
    callers: [${caller}]
  release:
    key: main
    scope: any
    callers: [${caller}]
  wildcards:
    key: main
    scope: [GET /v1/apps/*/builds]
    callers: [${caller}]
  short:
    key: main
    scope: any
    ttl: { default: 300, max: 300 }
    callers: [${caller}]
`;
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  const service = createService({ policy, runtime: { now: clock.now }, ...(options.skew === undefined ? {} : { env: { IAT_SKEW_SECONDS: String(options.skew) } }) });
  const minted: string[] = [];
  const server = await startLocalServer(async (event, context) => {
    const response = await service.handler(event, context);
    const path = String((event as { path?: unknown }).path ?? '');
    if (response.statusCode === 200 && path.startsWith('/v1/tokens/')) minted.push(path.slice('/v1/tokens/'.length));
    return response;
  }, [DEV]);
  return { url: server.url, service, clock, minted, close: () => (server.close(), service.cleanup()) };
}
