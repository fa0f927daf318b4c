import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { PolicyError, compilePolicy, type Policy } from './policy.ts';

/** Parse policy YAML (or JSON, a subset) text into a plain document. @throws PolicyError */
export function parsePolicyText(text: string, source: string): unknown {
  try {
    return parse(text, { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      throw new PolicyError(source, [`not valid YAML: ${error.message.split('\n')[0]}`]);
    }
    throw error;
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
