/** What the guides under docs/ show is what the code accepts: every policy they print compiles. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePolicyText } from '../../src/policy/load.ts';
import { compilePolicy } from '../../src/policy/policy.ts';
import { ROOT, codeBlocks } from '../integrations/readme.ts';

describe('the guides', () => {
  const guides = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md'));
  it('every policy in a guide compiles', () => {
    let policies = 0;
    for (const guide of guides) {
      for (const block of codeBlocks(join(ROOT, 'docs', guide)).filter((b) => b.lang === 'yaml' && b.code.startsWith('version: 1'))) {
        policies++;
        assert.doesNotThrow(() => compilePolicy(parsePolicyText(block.code, `${guide}:${block.line}`), `${guide}:${block.line}`), `${guide}:${block.line}`);
      }
    }
    assert.ok(policies >= 6, `only ${policies} policies found in the guides`);
  });
});

describe('infra/policy.yaml', () => {
  it('its commented examples of developer keys compile once uncommented', () => {
    const lines = readFileSync(join(ROOT, 'infra/policy.yaml'), 'utf8').split('\n');
    const start = lines.findIndex((line) => line.startsWith("  # Apple's other services"));
    assert.ok(start > 0, 'the examples are where this test looks for them');
    const uncommented = lines.map((line, index) => (/^ {2}# push: /.test(line) || (index > start && line.startsWith('  # ')) ? line.replace(/^ {2}# ?/, '  ') : line));
    const policy = compilePolicy(parsePolicyText(uncommented.join('\n'), 'infra/policy.yaml, uncommented'));
    assert.deepEqual(
      ['push-notifications', 'sign-in', 'forecast', 'music'].map((name) => policy.profiles.get(name)?.api),
      ['apns', 'sign-in-with-apple', 'weatherkit', 'musickit'],
    );
  });
});
