/**
 * cfn-lint (when installed; .ci/run lints the templates with it too) applies the AllowedPatterns of the parameters
 * that name principals as test/deploy/principal-parameters.test.ts does: per element of a list, to the whole value.
 * It runs the Python tool, so it is in `npm run test:all`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { administrator, kinds, lists, never } from './principals.ts';
import { allows, infra, run } from './templates.ts';

describe('parameters that name principals (aws:PrincipalArn)', () => {
  it('cfn-lint applies the patterns as this test does: per element of a list, to the whole value', async (t) => {
    const version = await run('cfn-lint', ['--version']).catch(() => undefined);
    if (version === undefined) return t.skip('cfn-lint is not installed');
    // One template with a copy of each parameter per value, the value as its Default: cfn-lint's E2015 flags a
    // Default its AllowedPattern refuses.
    const cases: Array<{ name: string; expected: boolean }> = [];
    const Parameters: Record<string, unknown> = {};
    for (const [file, parameters] of Object.entries(kinds)) {
      const template = infra(file);
      for (const parameter of Object.keys(parameters)) {
        for (const value of [...administrator, ...never, ...lists].filter((v) => v !== '')) {
          const name = `P${cases.length}`;
          const { Type, AllowedPattern } = template.Parameters![parameter];
          Parameters[name] = { Type, AllowedPattern, Default: value };
          cases.push({ name, expected: allows(template, parameter, value) });
        }
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'asc-patterns-'));
    try {
      const file = join(dir, 'patterns.json');
      writeFileSync(file, JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Parameters, Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }));
      const result = await run('cfn-lint', ['-f', 'json', file]).catch((e) => e);
      const refused = new Set((JSON.parse(result.stdout) as any[]).filter((m) => m.Rule.Id === 'E2015').map((m) => m.Location.Path[1]));
      for (const { name, expected } of cases) assert.equal(!refused.has(name), expected, `${name}: ${JSON.stringify(Parameters[name])}`);
      assert.ok(refused.size > 0 && refused.size < cases.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
