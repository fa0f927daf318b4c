/**
 * The README is a page a newcomer reads to the end: what the service is, the quickstart and a map of the guides
 * under docs/ — at most 300 lines, every guide on the map, every link on it leading somewhere. The guides' own
 * commands are run by the tests that name them (test/integrations/recipes.test.ts, fastlane.test.ts,
 * test/deploy/moto/deploy.test.ts, …); test/docs/references.test.ts resolves every reference to a heading.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/core/errors.ts';
import { ROOT } from '../integrations/readme.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const guides = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort();

/** The targets of a Markdown file's relative links, `](path)` or `](path#anchor)`, from the repository's root. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8').replace(/^\s*```[\s\S]*?^\s*```/gm, '');
  return [...text.matchAll(/\]\(([^)#\s]+)(#[^)\s]*)?\)/g)]
    .map((m) => m[1] as string)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => normalize(join(dirname(file), target)));
}

describe('README.md', () => {
  it('is at most 300 lines', () => {
    const lines = readme.split('\n').length - (readme.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= 300, `README.md has ${lines} lines`);
  });

  it('has the quickstart, with trying upload and notarize without Apple', () => {
    assert.match(readme, /^## Quickstart$/m);
    assert.match(readme, /^### Trying upload and notarize without Apple$/m);
    assert.match(readme, /npm start -- --with-apple/);
  });

  it('maps every guide under docs/, and every guide it names exists', () => {
    const map = readme.slice(readme.indexOf('\n## Guides\n'));
    assert.ok(map.length > 12, 'README.md has a "## Guides" section');
    const named = new Set([...readme.matchAll(/\]\(docs\/([\w.-]+\.md)(#[\w-]+)?\)/g)].map((m) => m[1] as string));
    for (const guide of named) assert.ok(existsSync(join(ROOT, 'docs', guide)), `README.md names docs/${guide}, which does not exist`);
    const unmapped = guides.filter((guide) => !named.has(guide));
    assert.deepEqual(unmapped, [], 'guides under docs/ the README does not link');
    for (const guide of ['ci.md', 'upload.md', 'notarize.md', 'fastlane.md', 'apple-services.md', 'keys.md', 'deploying.md', 'http-api.md', 'configuration.md', 'troubleshooting.md', 'development.md']) {
      assert.ok(map.includes(`](docs/${guide})`), `the map lists docs/${guide}`);
    }
  });
});

describe('links between the documents', () => {
  it('every relative link of the README and the guides leads to a file of the repository', () => {
    const broken: string[] = [];
    for (const file of ['README.md', 'SECURITY.md', ...guides.map((guide) => `docs/${guide}`)]) {
      for (const target of relativeLinks(file)) if (!existsSync(join(ROOT, target))) broken.push(`${file}: ${target}`);
    }
    assert.deepEqual(broken, []);
  });

  it('finds links (the scan is live)', () => {
    assert.ok(relativeLinks('README.md').length >= 15, 'README.md links');
    assert.ok(relativeLinks('docs/ci.md').includes('docs/upload.md'), 'docs/ci.md links docs/upload.md relative to docs/');
  });
});

describe('docs/http-api.md, error codes', () => {
  const text = readFileSync(join(ROOT, 'docs/http-api.md'), 'utf8');
  const table = text.slice(text.indexOf('\n## Error codes\n'));
  const rows = new Map(
    table
      .split('\n')
      .filter((line) => /^\| \d{3} \| `\w+` \|/.test(line))
      .map((line) => {
        const cells = line.split(' | ');
        return [(cells[1] as string).replaceAll('`', ''), { status: Number((cells[0] as string).slice(2)), remedy: (cells[3] ?? '').replace(/\|\s*$/, '').trim() }] as const;
      }),
  );

  it('lists every code the service answers with, API Gateway\'s `throttled` included, with its status and what to do', () => {
    const codes = [...Object.keys(ERROR_CODES), 'throttled'];
    assert.deepEqual([...rows.keys()].sort(), codes.sort());
    for (const [code, { status }] of Object.entries(ERROR_CODES)) assert.equal(rows.get(code)?.status, status, code);
    for (const [code, { remedy }] of rows) assert.ok(remedy.length > 3, `${code} says what to do`);
  });
});
