/**
 * The default credential provider reads the environment first without loading the chain, by the SDK's own rule
 * (`fromEnv`, and `AWS_PROFILE` winning over keys in the environment); everything else goes to the whole chain.
 * The built CLI with a profile in a shared credentials file is in test/e2e/clients.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { defaultCredentialProvider, environmentCredentials } from '../../src/client/credentials.ts';
import type { CredentialProvider } from '../../src/client/http.ts';

const NAMES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

/** The SDK's fromEnv on `env` (it reads process.env), as plain fields; undefined when it finds none. */
async function sdkFromEnv(env: Record<string, string | undefined>) {
  const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
  try {
    for (const name of NAMES) {
      if (env[name] === undefined) delete process.env[name];
      else process.env[name] = env[name];
    }
    const credentials = await fromEnv()().catch(() => undefined);
    return credentials && { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }) };
  } finally {
    for (const name of NAMES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}

/** A chain that records that it was loaded and asked. */
function fakeChain() {
  const seen = { loaded: 0, asked: 0 };
  const chain = async (): Promise<CredentialProvider> => {
    seen.loaded++;
    return async () => (seen.asked++, { accessKeyId: 'AKIDFROMTHECHAIN0001', secretAccessKey: 'chain' });
  };
  return { seen, chain };
}

describe('defaultCredentialProvider', () => {
  it('takes keys from the environment as the SDK’s fromEnv does, for any mix of set, empty and missing variables', async () => {
    const value = fc.oneof(fc.constant(undefined), fc.constant(''), fc.stringMatching(/^[A-Za-z0-9/+=]{1,40}$/));
    await fc.assert(
      fc.asyncProperty(fc.record({ AWS_ACCESS_KEY_ID: value, AWS_SECRET_ACCESS_KEY: value, AWS_SESSION_TOKEN: value }), async (env) => {
        assert.deepEqual(environmentCredentials(env), await sdkFromEnv(env));
      }),
      { numRuns: 200 },
    );
  });

  it('does not load the chain when the environment has keys', async () => {
    const { seen, chain } = fakeChain();
    const provider = defaultCredentialProvider({ env: { AWS_ACCESS_KEY_ID: 'AKIDFROMTHEENV000001', AWS_SECRET_ACCESS_KEY: 'env', AWS_SESSION_TOKEN: 'session' }, chain });
    assert.deepEqual(await provider(), { accessKeyId: 'AKIDFROMTHEENV000001', secretAccessKey: 'env', sessionToken: 'session' });
    assert.deepEqual(seen, { loaded: 0, asked: 0 });
  });

  it('goes to the chain, loaded once, when the environment has no keys', async () => {
    const { seen, chain } = fakeChain();
    const provider = defaultCredentialProvider({ env: { AWS_ACCESS_KEY_ID: 'AKIDONLYHALF00000001' }, chain });
    assert.equal((await provider()).accessKeyId, 'AKIDFROMTHECHAIN0001');
    assert.equal((await provider()).accessKeyId, 'AKIDFROMTHECHAIN0001');
    assert.deepEqual(seen, { loaded: 1, asked: 2 });
  });

  it('lets AWS_PROFILE win over keys in the environment, as the SDK’s default chain does', async () => {
    const { seen, chain } = fakeChain();
    const provider = defaultCredentialProvider({ env: { AWS_PROFILE: 'ci', AWS_ACCESS_KEY_ID: 'AKIDFROMTHEENV000001', AWS_SECRET_ACCESS_KEY: 'env' }, chain });
    assert.equal((await provider()).accessKeyId, 'AKIDFROMTHECHAIN0001');
    assert.equal(seen.loaded, 1);
  });
});
