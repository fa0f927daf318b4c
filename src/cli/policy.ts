/** `asc-token policy check [FILE]`: validate a policy and list every problem. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadPolicyFile, parsePolicyText } from '../policy/load.ts';
import { describeKey } from '../key-sources/registry.ts';
import { PolicyError } from '../policy/policy.ts';
import { helpText } from './help.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';

export const POLICY_OPTIONS = { json: { type: 'boolean' } } as const;

export const POLICY_USAGE = helpText({
  usage: 'usage: asc-token policy check [FILE] [--json]',
  summary: 'Check a policy file and list every problem in it, or a summary of what it allows.',
  about: ['FILE is the policy (YAML): its keys, and the profiles that say who may have which tokens. Every problem is listed, each with where it is; nothing is sent anywhere. Run it before deploying a change.'],
  flags: [{ flag: '--json', text: 'Print the validated policy as JSON instead of the summary.' }],
  env: [['POLICY_FILE', 'The policy when no FILE is given (else infra/policy.yaml).']],
  exits: [
    [0, 'the policy is valid'],
    [1, 'it has problems (each listed on stderr), or cannot be read'],
    [2, 'usage'],
  ],
  examples: [
    ['The shipped policy', 'asc-token policy check infra/policy.yaml'],
    ['Only whether it is valid, in CI', 'asc-token policy check "$POLICY_FILE" >/dev/null'],
  ],
});

export async function policyCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(sub === undefined ? 'name a subcommand: check' : `unknown subcommand "policy ${sub}"`);
  const { positionals, values } = parseArgs({ args: rest, options: POLICY_OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length > 1) throw new UsageError('give at most one FILE');
  const file = resolve(io.cwd, positionals[0] ?? io.env.POLICY_FILE ?? 'infra/policy.yaml');
  try {
    const policy = loadPolicyFile(file);
    if (values.json) {
      io.stdout(`${JSON.stringify(parsePolicyText(readFileSync(file, 'utf8'), file), null, 2)}\n`);
      return EXIT.ok;
    }
    io.stdout(`${file}: ok — ${policy.keys.size} key${policy.keys.size === 1 ? '' : 's'}, ${policy.profiles.size} profile${policy.profiles.size === 1 ? '' : 's'}\n`);
    for (const key of policy.keys.values()) {
      io.stdout(`  key ${key.name}: ${describeKey(key)}\n`);
    }
    for (const profile of policy.profiles.values()) {
      const scope = profile.scope === 'any' ? 'any' : `${profile.scope.length} entr${profile.scope.length === 1 ? 'y' : 'ies'}`;
      io.stdout(`  ${profile.name}: ${profile.api}, key ${profile.keys.map((key) => key.name).join('+')}, scope ${scope}, ttl ${profile.ttl.default}/${profile.ttl.max}s${profile.longLived ? ' (long-lived)' : ''}, ${profile.callers.length} caller pattern${profile.callers.length === 1 ? '' : 's'}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof PolicyError) {
      io.stderr(`${error.message}\n`);
      return EXIT.other;
    }
    throw error;
  }
}
