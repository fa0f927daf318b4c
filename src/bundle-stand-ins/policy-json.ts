/**
 * Stands in for the `yaml` package in the Lambda bundle only (see scripts/build-options.ts). The Lambda's policy is the
 * one embedded at build time, already validated from YAML; a POLICY_FILE given to the Lambda at run time must be
 * JSON (YAML's JSON form, which `asc-token policy check FILE --json` prints). This keeps about 110 KB of YAML
 * parser off every cold start. Local runs, tests and the CLI read YAML as usual.
 */
export class YAMLParseError extends Error {
  override readonly name = 'YAMLParseError';
}

export function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new YAMLParseError(
      `the Lambda bundle reads POLICY_FILE as JSON (${(error as Error).message}); convert the YAML with: asc-token policy check FILE --json`,
    );
  }
}
