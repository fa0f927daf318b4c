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
    throw new PolicyError(source, [`not valid YAML: ${String((error as Error)?.message).split('\n')[0]}`]);
  }
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
