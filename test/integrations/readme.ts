/** The fenced code blocks of the README and the guides under docs/, so tests run (and lint) exactly what they show. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface CodeBlock {
  /** The info string after the opening fence (`yaml`, `sh`, `ruby`, …). */
  lang: string;
  code: string;
  /** The nearest heading above the block. */
  heading: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Every fenced block of a Markdown file (``` fences, any indentation the fence and its lines share). */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) heading = (h[1] as string).trim();
    const fence = /^(\s*)```(\S*)\s*$/.exec(line);
    if (!fence) continue;
    const indent = (fence[1] as string).length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] as string); j++) body.push((lines[j] as string).slice(indent));
    blocks.push({ lang: fence[2] as string, code: `${body.join('\n')}\n`, heading, line: i + 1 });
    i = j;
  }
  return blocks;
}

/** The one block of `lang` under `heading` in `file` (a path from the repository's root: `README.md`, `docs/ci.md`). */
export function docBlock(file: string, heading: string, lang: string): string {
  const found = codeBlocks(join(ROOT, file)).filter((b) => b.heading === heading && b.lang === lang);
  if (found.length !== 1) throw new Error(`${file} has ${found.length} \`${lang}\` blocks under "${heading}", expected 1`);
  return (found[0] as CodeBlock).code;
}

/**
 * The code of the blocks of `lang` in the section of `file` headed `heading` (any level) and its subsections, up
 * to the next heading of the same or a higher level, in order.
 */
export function sectionBlocks(file: string, heading: string, lang: string): string[] {
  const blocks = codeBlocks(join(ROOT, file));
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const fenced = new Set(blocks.flatMap((b) => Array.from({ length: b.code.split('\n').length + 1 }, (_, i) => b.line + i)));
  const headings = lines.flatMap((line, i) => {
    const h = !fenced.has(i + 1) && /^(#{1,6})\s+(.*)$/.exec(line);
    return h ? [{ level: (h[1] as string).length, text: (h[2] as string).trim(), line: i + 1 }] : [];
  });
  const start = headings.find((h) => h.text === heading);
  if (!start) throw new Error(`${file} has no heading "${heading}"`);
  const end = headings.find((h) => h.line > start.line && h.level <= start.level)?.line ?? Infinity;
  return blocks.filter((b) => b.line > start.line && b.line < end && b.lang === lang).map((b) => b.code);
}
