/**
 * What a newcomer tripped over (issue #24), each through the CLI as a process of its own (src/cli.ts through tsx:
 * test/helpers/cli-process.ts); test:all runs this file on Node 22 and 24 too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCliReaderGone } from '../helpers/cli-process.ts';

describe('a reader that stops early (| head -1)', () => {
  for (const args of [['policy', 'check'], ['policy', 'check', '--json'], ['--help']]) {
    it(`asc-token ${args.join(' ')}: exit 0, nothing on stderr, no EPIPE`, async () => {
      const result = await runCliReaderGone(args);
      assert.deepEqual(result, { code: 0, signal: null, stderr: '' });
    });
  }
});
