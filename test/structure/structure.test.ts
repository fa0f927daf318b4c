/**
 * The shape of src/ (docs/architecture.md): small files, no import cycles, nothing importing upward, one home per kind
 * of knowledge (token kinds in src/core/kinds.ts, key sources in src/key-sources/), no code copied between files.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KIND_NAMES } from '../../src/core/kinds.ts';
import { POLICY_SOURCES } from '../../src/key-sources/registry.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.ts') ? [relative(root, path)] : [];
  });
}
const files = walk(src);
const texts = new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));

/** A file's value imports (not `import type`), static and dynamic, of other files of src/. */
function imports(file: string): string[] {
  const text = texts.get(file) as string;
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm)) {
    found.push(normalize(join(dirname(file), (match[1] ?? match[2]) as string)));
  }
  return found;
}

/** The layer of a file: the folder under src/, or the file's name for those at the top. */
const layerOf = (file: string) => relative('src', file).split('/')[0]?.replace(/\.ts$/, '') as string;

/**
 * What each layer may import. The core and the client are what the published package and the Lambda share: the
 * core imports nothing of the project, the client only the core (a client never carries the server). `net` (src/net/:
 * proxies for outbound requests) imports nothing of the project.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  client: ['core', 'client', 'sigv4', 'net'],
  aws: ['core', 'aws', 'net'],
  'key-sources': ['core', 'aws', 'key-sources', 'metrics'],
  policy: ['core', 'key-sources', 'policy'],
  http: ['core', 'key-sources', 'policy', 'http', 'client', 'log', 'metrics'],
  log: ['log'],
  metrics: ['metrics'],
  config: ['core', 'key-sources', 'log', 'config'],
  runtime: ['core', 'key-sources', 'policy', 'http', 'log', 'metrics', 'config', 'runtime'],
  handler: ['core', 'http', 'log', 'runtime', 'handler'],
  sigv4: ['sigv4'],
  asc: ['core', 'client', 'asc', 'sigv4', 'net'],
  net: ['net'],
  action: ['core', 'client', 'action', 'sigv4'],
};

describe('the shape of src/', () => {
  it('no file is over 300 lines', () => {
    const long = files.filter((file) => (texts.get(file) as string).split('\n').length > 300).map((file) => `${file}: ${(texts.get(file) as string).split('\n').length} lines`);
    assert.deepEqual(long, []);
  });

  it('no layer imports one above it: the core imports no AWS SDK and nothing of the project, the client nothing of the server', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const allowed = ALLOWED[layerOf(file)];
      if (allowed === undefined) continue; // the CLI, the local server and the bundle stand-ins sit on top
      for (const target of imports(file)) if (!allowed.includes(layerOf(target))) wrong.push(`${file} → ${target}`);
      if (layerOf(file) === 'core' && /from '@(aws-sdk|smithy)\//.test(texts.get(file) as string)) wrong.push(`${file} imports the AWS SDK`);
    }
    assert.deepEqual(wrong, []);
  });

  it('no import cycle', () => {
    const graph = new Map(files.map((file) => [file, imports(file).filter((target) => texts.has(target))]));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it("no branch on a token kind's name outside the kinds table, none on a key source's outside its module", () => {
    const kinds = KIND_NAMES.map((name) => name.replace(/-/g, '\\-')).join('|');
    const sources = POLICY_SOURCES.map((source) => source.name).join('|');
    const branches: string[] = [];
    for (const [file, text] of texts) {
      text.split('\n').forEach((line, index) => {
        if (file !== 'src/core/kinds.ts' && new RegExp(`[!=]==?\\s*'(${kinds})'|'(${kinds})'\\s*[!=]==?|case '(${kinds})'`).test(line)) branches.push(`${file}:${index + 1}: ${line.trim()}`);
        if (!file.startsWith('src/key-sources/') && new RegExp(`[!=]==?\\s*'(${sources})'|'(${sources})'\\s*[!=]==?|case '(${sources})'|\\.(secretId|kmsKeyId)\\b`).test(line)) branches.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(branches, []);
  });

  it('no run of 6 lines repeated in two files (boilerplate aside)', () => {
    const WINDOW = 6;
    const boring = (line: string) => line === '' || /^(\*|\/\/|\/\*\*|\*\/|import |export \{|export type \{|[}\])]+[;,)]*$|\{$|try \{|\} catch.*\{$|return;|break;|default:|\} else \{)/.test(line);
    const seen = new Map<string, string>();
    const repeated = new Set<string>();
    for (const [file, text] of texts) {
      const lines = text
        .split('\n')
        .map((line, index) => ({ text: line.trim(), number: index + 1 }))
        .filter((line) => !boring(line.text));
      for (let i = 0; i + WINDOW <= lines.length; i++) {
        const run = lines.slice(i, i + WINDOW);
        const key = run.map((line) => line.text).join('\n');
        const where = `${file}:${run[0]?.number}`;
        const first = seen.get(key);
        if (first === undefined) seen.set(key, where);
        else if (first.split(':')[0] !== file) repeated.add(`${first} and ${where}`);
      }
    }
    assert.deepEqual([...repeated], []);
  });
});
