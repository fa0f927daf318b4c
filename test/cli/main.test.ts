/** The CLI's entry in process, main(): --version and help. The entry as built: test/cli/main.dist.test.ts. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { COMMAND_NAMES, listsCommand } from './commands.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('asc-token', () => {
  it('main() in process: --version and help', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t), env: {}, cwd: root, now: Date.now };
    assert.equal(await main(['--version'], io), 0);
    assert.equal(out.join(''), `${version}\n`);
    out.length = 0;
    assert.equal(await main(['help'], io), 0);
    for (const name of COMMAND_NAMES) assert.ok(listsCommand(out.join(''), name), name);
  });
});
