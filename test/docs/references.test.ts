/**
 * Every reference to a part of the project's documents resolves (docs/design.md names this test). A reference is
 * a Markdown file's path followed by `#anchor` (a document in the repository and one of its headings, as GitHub makes anchors of headings) or,
 * inside a Markdown file, `](#anchor)`. References in any other form — a bare section number `§n` (of a document that
 * is not in the repository; a standard's, `RFC 9110 §10.2.3`, names its document) or a section named in quotes after
 * `README` — are refused, because nothing could check them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Files a reader or a maintainer reads: the repository's text files, without generated or vendored ones. */
function sources(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((file) => file !== '' && existsSync(join(root, file)))
    .filter((file) => /\.(ts|mjs|cjs|js|md|yml|yaml|json|rb|py|sh|txt)$|^\.ci\/run$/.test(file))
    .filter((file) => !/^(package-lock\.json|action\/index\.mjs|test\/fixtures\/)/.test(file));
}

/** GitHub's anchor for a heading: lower case, punctuation other than `-` and `_` dropped, spaces as `-`. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/<[^>]+>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (a repeated heading gets `-1`, `-2`, … as on GitHub). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1] as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

interface Reference {
  file: string;
  line: number;
  target: string;
  anchor: string;
}

function references(file: string, text: string): Reference[] {
  const found: Reference[] = [];
  text.split('\n').forEach((content, index) => {
    for (const match of content.matchAll(/((?:\.\.?\/)*(?:[\w.-]+\/)*[\w.-]+\.md)#([\w-]+)/g)) {
      const path = match[1] as string;
      // A path in a Markdown link is relative to the file; a path in code or a comment is from the repository root.
      const candidates = [normalize(join(dirname(file), path)), normalize(path)];
      const target = candidates.find((candidate) => existsSync(join(root, candidate))) ?? path;
      found.push({ file, line: index + 1, target, anchor: match[2] as string });
    }
    if (file.endsWith('.md')) {
      for (const match of content.matchAll(/\]\(#([\w-]+)\)/g)) found.push({ file, line: index + 1, target: file, anchor: match[1] as string });
    }
  });
  return found;
}

describe('references to the documents', () => {
  const files = sources();
  const texts = new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));

  it('every path.md + #anchor, and every ](#anchor), names a heading that exists', () => {
    const headings = new Map<string, Set<string>>();
    const unresolved: string[] = [];
    let count = 0;
    for (const [file, text] of texts) {
      for (const ref of references(file, text)) {
        count++;
        if (!existsSync(join(root, ref.target))) {
          unresolved.push(`${ref.file}:${ref.line}: ${ref.target} does not exist`);
          continue;
        }
        if (!headings.has(ref.target)) headings.set(ref.target, anchors(readFileSync(join(root, ref.target), 'utf8')));
        if (!headings.get(ref.target)?.has(ref.anchor)) unresolved.push(`${ref.file}:${ref.line}: ${relative('.', ref.target)} has no heading #${ref.anchor}`);
      }
    }
    assert.deepEqual(unresolved, []);
    assert.ok(count > 40, `only ${count} references found: the scan is broken`);
  });

  it('no reference a test cannot check: a bare §n, or a README section named in quotes', () => {
    const loose: string[] = [];
    for (const [file, text] of texts) {
      if (file === 'test/docs/references.test.ts') continue;
      text.split('\n').forEach((content, index) => {
        if (/(?<!(?:RFC|SEC|FIPS) [\d.-]+ )§\s*\d/.test(content) || /README(\.md)?\s*(→|:)?\s*["“]/.test(content) || /README\s*→/.test(content)) loose.push(`${file}:${index + 1}: ${content.trim().slice(0, 120)}`);
      });
    }
    assert.deepEqual(loose, []);
  });

  it('slugs headings as GitHub does', () => {
    assert.equal(slug("Apple's rules"), 'apples-rules');
    assert.equal(slug('The CLI: `asc-token`'), 'the-cli-asc-token');
    assert.equal(slug('A `403 forbidden` before the service saw the request (SigV4)'), 'a-403-forbidden-before-the-service-saw-the-request-sigv4');
    assert.equal(slug('Rotating a KMS-held key (runbook)'), 'rotating-a-kms-held-key-runbook');
    assert.deepEqual([...anchors('# A\n## A\n```\n# not a heading\n```\n### b c\n')], ['a', 'a-1', 'b-c']);
  });
});

describe('paths the documents name', () => {
  it('every src/, test/, scripts/, bench/ and infra/ path in a Markdown file exists', () => {
    const missing: string[] = [];
    for (const file of sources().filter((f) => f.endsWith('.md'))) {
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((content, index) => {
          for (const match of content.matchAll(/`((?:src|test|scripts|bench|infra|integrations|docs)\/[\w./-]*[\w/])`/g)) {
            const path = (match[1] as string).replace(/\/$/, '');
            if (/[*]|NAME|\.\.\./.test(path)) continue;
            if (!existsSync(join(root, path))) missing.push(`${file}:${index + 1}: ${path}`);
          }
        });
    }
    assert.deepEqual(missing, []);
  });
});
