/**
 * The runbook docs/keys.md#rotating-a-kms-held-key-runbook, end to end, as ops and callers do it: the CLI imports each .p8
 * into its own KMS key and verifies it with App Store Connect, the alias the policy names moves, and the service
 * signs with the new key within one cache TTL — under continuous load, with no failed request and every token's
 * kid matching the key that signed it. Here through the real handler in process; through the local server as
 * `npm start` runs it (dist/local.mjs): kms-runbook.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UpdateAliasCommand } from '@aws-sdk/client-kms';
import { createHandler } from '../../src/handler.ts';
import { createRuntime } from '../../src/runtime.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { checkedKid, importIntoNewKey, runbook, useRunbook } from './kms-runbook.ts';

useRunbook();

describe('runbook: rotating a KMS-held key', () => {
  it('through the real handler: import → verify → move the alias, under load; the new kid within one TTL, no failed request', async () => {
    runbook.kms.keys.clear();
    runbook.kms.aliases.clear();
    await importIntoNewKey('AuthKey_OLDKEY0001.p8', 'alias/asc/main');
    const now = { value: Date.now() };
    const handler = createHandler({
      init: () =>
        createRuntime({
          env: { POLICY_FILE: join(runbook.dir, 'policy.yaml'), KEY_SOURCE: 'policy', KEY_CACHE_TTL_SECONDS: '5', LOG_LEVEL: 'SILENT' },
          sink: trackOutput,
          clientConfig: { kms: { endpoint: runbook.kms.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFN', secretAccessKey: 'x' } } },
          now: () => now.value,
        }),
    });
    const kids: string[] = [];
    let moved = -1;
    for (let round = 0; round < 30; round++) {
      if (round === 8) {
        const arn = await importIntoNewKey('AuthKey_NEWKEY0001.p8');
        await runbook.ops.send(new UpdateAliasCommand({ AliasName: 'alias/asc/main', TargetKeyId: arn }));
        moved = kids.length;
      }
      const responses = await Promise.all(Array.from({ length: 20 }, () => handler(withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'POST', path: '/v1/tokens/release' }), { awsRequestId: 'r' })));
      for (const response of responses) {
        assert.equal(response.statusCode, 200, response.body);
        kids.push(checkedKid(JSON.parse(response.body).token));
      }
      now.value += 500;
    }
    assert.ok(kids.slice(0, moved).every((kid) => kid === 'OLDKEY0001'));
    const first = kids.indexOf('NEWKEY0001');
    assert.ok(first >= moved && first <= moved + 20 * 10, `the new kid ${first - moved} tokens after the alias moved (one TTL is 10 rounds of 20)`);
    assert.ok(kids.slice(first).every((kid) => kid === 'NEWKEY0001'), 'no token with the old kid after the switch');
  });
});
