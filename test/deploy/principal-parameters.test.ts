/**
 * Every infra/ template's parameters that name principals (matched against aws:PrincipalArn): each names one
 * principal (test/deploy/principals.ts says which and how). That cfn-lint reads their patterns as this test does
 * is test/deploy/cfn-lint-patterns.test.ts.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { administrator, kinds, lists, never, role } from './principals.ts';
import { allows, infra, principalParameters, root } from './templates.ts';

// Issue #12 (template review, item 2): see test/deploy/principals.ts.
describe('parameters that name principals (aws:PrincipalArn)', () => {
  it('every parameter a template matches aws:PrincipalArn against is known here, by kind', () => {
    const files = readdirSync(join(root, 'infra')).filter((f) => f.endsWith('.yml')).sort();
    assert.deepEqual(files, Object.keys(kinds).sort(), 'a new template: say which of its parameters name principals');
    for (const file of files) assert.deepEqual([...principalParameters(infra(file).Resources)].sort(), Object.keys(kinds[file]!).sort(), file);
  });

  it('each element names one principal: a concrete partition, account and name; the only wildcard an SSO role\'s suffix', () => {
    for (const [file, parameters] of Object.entries(kinds)) {
      const t = infra(file);
      for (const [parameter, kind] of Object.entries(parameters)) {
        const where = `${file} ${parameter}`;
        assert.ok(t.Parameters?.[parameter].AllowedPattern, `${where} has an AllowedPattern`);
        assert.ok(t.Parameters?.[parameter].ConstraintDescription, `${where} says what it wants when refused`);
        assert.equal(t.Parameters?.[parameter].Default, undefined, `${where} has no default`);
        for (const good of kind === 'role' ? role : administrator) assert.ok(allows(t, parameter, good), `${where} accepts ${good}`);
        const refused = kind === 'role' ? [...never, ...administrator.filter((a) => !role.includes(a))] : never;
        for (const bad of refused) assert.ok(!allows(t, parameter, bad), `${where} must refuse ${JSON.stringify(bad)}`);
        if (t.Parameters?.[parameter].Type === 'CommaDelimitedList') {
          assert.ok(allows(t, parameter, `${role[0]},${role[1]}`) && allows(t, parameter, `${role[0]}, ${role[1]}`), `${where} takes a list`);
          for (const bad of lists) assert.ok(!allows(t, parameter, bad), `${where} must refuse ${JSON.stringify(bad)}`);
        }
      }
    }
  });
});
