/** The artifact itself: dist/handler.mjs exports `handler` and answers with the policy embedded at build. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withRequest } from '../helpers/fixtures.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('dist/handler.mjs', () => {
  it('serves GET /v1/profiles from the embedded infra/policy.yaml', async () => {
    const event = withRequest('rest-v1-iam-auth.captured.powertools-ts.json', {
      method: 'GET',
      path: '/v1/profiles',
      userArn: 'arn:aws:sts::111122223333:assumed-role/github-ios-build/run-42',
    });
    const script = `const { handler } = await import(${JSON.stringify(join(root, 'dist/handler.mjs'))});
      const response = await handler(JSON.parse(process.argv[1]), { awsRequestId: 'x' });
      process.stdout.write(JSON.stringify(response));`;
    const env = { ...process.env, LOG_LEVEL: 'SILENT' } as Record<string, string | undefined>;
    delete env.POLICY_FILE;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(event)], { env });
    const response = JSON.parse(stdout);
    assert.equal(response.statusCode, 200, stdout);
    assert.equal(response.isBase64Encoded, false);
    const body = JSON.parse(response.body);
    assert.equal(body.caller.principal, 'arn:aws:iam::111122223333:role/github-ios-build');
    assert.deepEqual(body.profiles.map((p: { name: string }) => p.name), ['testflight-readonly']);
  });
});
