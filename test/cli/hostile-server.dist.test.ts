/**
 * Finding #12.4, the built CLI process (dist/cli.mjs): a token service answering a token with a NODE_OPTIONS line
 * after it is refused, and $GITHUB_ENV is left untouched. Every crafted answer and output format, through main():
 * test/cli/hostile-server.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { listenOnLoopback, stopServer } from '../helpers/loopback.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'asc-hostile-'));
const TOKEN = 'eyJhbGciOiJFUzI1NiIsImtpZCI6IjJYOVI0SFhGMzQiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJ4In0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
const injected = `${TOKEN}\nNODE_OPTIONS=--require=/tmp/evil.js`;
const answer = {
  token: injected, tokenType: 'Bearer', profile: 'release', keyId: '2X9R4HXF34', audience: 'appstoreconnect-v1', scope: null,
  issuedAt: '2026-11-22T10:00:00Z', expiresAt: '2026-11-22T10:10:00Z', expiresIn: 570, refreshAfter: '2026-11-22T10:08:00Z', tokenSha256: createHash('sha256').update(injected).digest('hex'),
};
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
});
let url: string;
before(async () => {
  url = await listenOnLoopback(server);
});
after(() => {
  stopServer(server);
  rmSync(dir, { recursive: true, force: true });
});

describe('a hostile token service (finding #12.4)', () => {
  it('the built CLI refuses too, and leaves $GITHUB_ENV untouched', async () => {
    const githubEnv = join(dir, 'github_env_process');
    writeFileSync(githubEnv, '');
    const result = await promisify(execFile)(process.execPath, [join(root, 'dist/cli.mjs'), 'token', 'release', '--url', url, '--output', 'github'], {
      env: { PATH: process.env.PATH, GITHUB_ENV: githubEnv, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x' },
    }).then(
      () => assert.fail('succeeded'),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /bad_response: refused the service's answer: .*token/);
    assert.equal(readFileSync(githubEnv, 'utf8'), '');
  });
});
