/** `asc-token policy check [FILE]`: validate a policy and list every problem. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { loadPolicyFile, parsePolicyText } from '../policy/load.ts';
import { describeKey } from '../key-sources/registry.ts';
import { PolicyError } from '../policy/policy.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';

export const POLICY_USAGE = 'usage: asc-token policy check [FILE] [--json]   (default: $POLICY_FILE, else infra/policy.yaml; --json prints the validated policy as JSON)';

export async function policyCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(sub === undefined ? 'name a subcommand: check' : `unknown subcommand "policy ${sub}"`);
  const { positionals, values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true });
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
