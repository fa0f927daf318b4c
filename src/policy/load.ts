import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { PolicyError, compilePolicy, type Policy } from './policy.ts';

/**
 * Parse policy YAML (or JSON, a subset) text into a plain document. The parser's defaults are what a policy needs,
 * and tests hold them: a duplicate key is an error (not a silent override), and alias expansion is capped (a
 * "billion laughs" document is refused, not expanded).
 * @throws PolicyError for any parse failure, with the parser's first line.
 */
export function parsePolicyText(text: string, source: string): unknown {
  try {
    return parse(text);
  } catch (error) {
    throw new PolicyError(source, [yamlProblem(error, text)]);
  }
}

/**
 * The parser's complaint on one line: where, what, and the line it is about (the parser's own message ends in a
 * colon and a multi-line excerpt, which a list of problems would cut after the colon).
 */
function yamlProblem(error: unknown, text: string): string {
  const message = String((error as Error)?.message ?? error);
  const position = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
  const what = message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '') ?? 'unreadable';
  if (position === undefined) return `not valid YAML: ${what}`;
  const line = text.split('\n')[position.line - 1] ?? '';
  const shown = line.replace(/[^\x20-\x7e]/g, (c) => (c === '\t' ? '\\t' : '?')).slice(0, 120);
  return `not valid YAML at line ${position.line}, column ${position.col}: ${what}${shown.trim() ? ` (the line: ${JSON.stringify(shown)})` : ''}`;
}

/**
 * Read, validate and compile a policy file.
 * @throws PolicyError listing every problem, or naming the file when it cannot be read.
 */
export function loadPolicyFile(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PolicyError(file, [code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? 'error'})`]);
  }
  return compilePolicy(parsePolicyText(text, file), file);
}
