/**
 * What a newcomer sees when a request is refused, and what the audit log learns about the caller's tool: the CLI's
 * hint fits the refusal's reason (a signature failure at the local server does not send the user to
 * `asc-token profiles`, which is refused the same way), and TokenClient names itself and its version in
 * `user-agent`, which the audit record keeps (the built CLI's: refusals.dist.test.ts).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { TokenClient } from '../../src/client/index.ts';
import { refusalHint, refusalReason } from '../../src/client/refusal.ts';
import { createLocalServer } from '../../src/local/server.ts';
import type { LocalCredential } from '../../src/local/verify.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { createService, type Service } from '../helpers/setup.ts';
import { ROOT } from './readme.ts';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEV: LocalCredential = { accessKeyId: 'AKIDREFUSALS00000001', secretAccessKey: 'refusals-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/local-developer/hints' };

let service: Service;
let skewMs = 0;
let url: string;
let close: () => void;
before(async () => {
  service = createService();
  // The local server as `npm start` runs it, with a clock the test can move (to show a skewed signature).
  const server = createLocalServer({ handler: service.handler, credentials: [DEV], now: () => Date.now() + skewMs });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => {
    server.close();
    server.closeAllConnections();
  };
});
after(() => {
  close();
  service.cleanup();
});

async function cli(argv: string[], credentials: { accessKeyId: string; secretAccessKey: string }) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, cwd: ROOT, now: Date.now }, { credentials: async () => credentials, sleep: async () => {} });
  trackOutput(stderr);
  return { code, stdout, stderr, hint: /^hint: (.*)$/m.exec(stderr)?.[1] ?? '' };
}

describe('the hint on a refusal fits its reason', () => {
  it('a wrong secret key: a signature hint, not `asc-token profiles`', async () => {
    const result = await cli(['token', 'release', '--url', url], { accessKeyId: DEV.accessKeyId, secretAccessKey: 'not-the-secret' });
    assert.equal(result.code, 3);
    assert.match(result.stderr, /^asc-token: forbidden: Missing or invalid SigV4 signature: the request signature does not match/);
    assert.match(result.hint, /signature was refused before the service saw it.*AWS_SECRET_ACCESS_KEY/);
    assert.doesNotMatch(result.hint, /asc-token profiles/);
  });

  it('an access key the server does not know: a credentials hint', async () => {
    const result = await cli(['token', 'release', '--url', url], { accessKeyId: 'AKIDNOBODYKNOWS00001', secretAccessKey: 'x' });
    assert.equal(result.code, 3);
    assert.match(result.hint, /AWS credentials were not accepted.*npm start/);
  });

  it('a clock 20 minutes off: a clock hint', async () => {
    skewMs = 20 * 60 * 1000;
    try {
      const result = await cli(['token', 'release', '--url', url], DEV);
      assert.equal(result.code, 3);
      assert.match(result.stderr, /more than 15 minutes from the server clock/);
      assert.match(result.hint, /synchronise this machine's clock/);
    } finally {
      skewMs = 0;
    }
  });

  it('signed correctly but not among the profile\'s callers: `asc-token profiles` helps, and it works', async () => {
    const result = await cli(['token', 'other-team', '--url', url], DEV);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /You are not allowed to use this profile/);
    // The npx hint runs this package's own version, never whatever is published under its name (#20, finding 8).
    assert.ok(result.hint.includes(`Run \`asc-token profiles\` (without the CLI installed: \`npx --yes --package=asc-token-vending@${VERSION} asc-token profiles\`) to see who the service thinks you are`), result.hint);
    const profiles = await cli(['profiles', '--url', url], DEV);
    assert.equal(profiles.code, 0, profiles.stderr);
  });

  it('`asc-token profiles` refused for its signature does not suggest running itself', async () => {
    const result = await cli(['profiles', '--url', url], { accessKeyId: DEV.accessKeyId, secretAccessKey: 'wrong' });
    assert.equal(result.code, 3);
    assert.match(result.hint, /signature was refused/);
    assert.doesNotMatch(result.hint, /asc-token profiles/);
  });

  it('API Gateway\'s own refusal messages map to the same reasons', () => {
    for (const [detail, reason] of [
      ['The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', 'signature'],
      ['Signature expired: 20261122T100000Z is now earlier than 20261122T101000Z (20261122T101500Z - 5 min.)', 'clock'],
      ['Signature not yet current: 20261122T103000Z is still later than 20261122T102000Z (20261122T101500Z + 5 min.)', 'clock'],
      ['The security token included in the request is invalid.', 'credentials'],
      ['The security token included in the request is expired', 'credentials'],
      ['Unsigned request, or no such path: sign with SigV4 for execute-api and check the URL.', 'unsigned'],
      ["Credential should be scoped to correct service: 'execute-api'. ", 'signature'],
      ['User: arn:aws:sts::111122223333:assumed-role/github-ios-build/run-1 is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:111122223333:abc/prod/POST/v1/tokens/release', 'iam'],
      ['User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:eu-west-1:111122223333:abc/prod/POST/v1/tokens/release with an explicit deny', 'iam'],
      ['You are not allowed to use this profile. Ask the platform owner to list your IAM principal in its callers.', 'policy'],
      ['This endpoint needs a SigV4-signed request from an IAM principal.', 'unsigned'],
    ] as const) {
      assert.equal(refusalReason(detail), reason, detail);
      if (reason !== 'policy') assert.doesNotMatch(refusalHint(detail, 'token'), /asc-token profiles/, detail);
    }
  });
});

describe('the audit record names the tool and its version', () => {
  const lastAudit = () => service.logs.audits().filter((r) => r.event === 'token.decision').at(-1);

  it('TokenClient sends user-agent asc-token/VERSION (client)', async () => {
    const client = new TokenClient({ url, credentials: async () => DEV });
    const response = await client.getToken('release');
    const audit = lastAudit();
    assert.equal(audit?.tokenSha256, response.tokenSha256);
    assert.equal(audit?.userAgent, `asc-token/${VERSION} (client)`);
  });
});
