import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(loadConfig({}), { policyFile: undefined, keyCacheTtlSeconds: 300, keyStaleGraceSeconds: 3600, iatSkewSeconds: 30, logLevel: 'INFO', keySource: 'policy' });
    assert.equal(loadConfig({}, { keySource: 'local' }).keySource, 'local');
  });

  it('KEY_SOURCE says where keys come from: policy, local, and secretsmanager as the old name of policy', () => {
    assert.equal(loadConfig({ KEY_SOURCE: 'policy' }).keySource, 'policy');
    assert.equal(loadConfig({ KEY_SOURCE: ' Local ' }).keySource, 'local');
    assert.equal(loadConfig({ KEY_SOURCE: 'secretsmanager' }, { keySource: 'local' }).keySource, 'policy');
  });

  it('refuses a bad value, naming the variable and what to write', () => {
    const refusals: Array<[Record<string, string>, RegExp]> = [
      [{ KEY_SOURCE: 'kms' }, /^KEY_SOURCE="kms": use policy .* or local/],
      [{ KEY_SOURCE: 'vault' }, /^KEY_SOURCE="vault"/],
      [{ LOG_LEVEL: 'chatty' }, /^LOG_LEVEL="chatty": use one of DEBUG, INFO, WARN, ERROR, SILENT/],
      [{ KEY_CACHE_TTL_SECONDS: '0' }, /^KEY_CACHE_TTL_SECONDS=0 is out of range: use 1–86400/],
      [{ KEY_CACHE_TTL_SECONDS: '5m' }, /^KEY_CACHE_TTL_SECONDS="5m" is not a whole number of seconds/],
      [{ KEY_STALE_GRACE_SECONDS: '-1' }, /^KEY_STALE_GRACE_SECONDS="-1" is not a whole number/],
      [{ IAT_SKEW_SECONDS: '301' }, /^IAT_SKEW_SECONDS=301 is out of range: use 0–300/],
    ];
    for (const [env, message] of refusals) {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message), JSON.stringify(env));
    }
  });

  it('reads an empty or blank number as unset, and POLICY_FILE trimmed', () => {
    assert.equal(loadConfig({ KEY_CACHE_TTL_SECONDS: ' ' }).keyCacheTtlSeconds, 300);
    assert.equal(loadConfig({ POLICY_FILE: '  ' }).policyFile, undefined);
    assert.equal(loadConfig({ POLICY_FILE: ' p.yaml ' }).policyFile, 'p.yaml');
  });
});
