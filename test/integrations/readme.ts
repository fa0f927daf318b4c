/** The README's fenced code blocks, so tests run (and lint) exactly what the README shows. */
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

/** The one block of `lang` under `heading` in the README. */
export function readmeBlock(heading: string, lang: string): string {
  const found = codeBlocks(join(ROOT, 'README.md')).filter((b) => b.heading === heading && b.lang === lang);
  if (found.length !== 1) throw new Error(`README.md has ${found.length} \`${lang}\` blocks under "${heading}", expected 1`);
  return (found[0] as CodeBlock).code;
}
