/**
 * `asc-token COMMAND --help` for every command and every `keys` subcommand (issue #24): exit 0, on stdout, and what
 * it says — every flag the command's own parseArgs options take, each with what it does; the environment, the exit
 * codes, two examples of the command itself; nothing documented that the command does not take. `asc-token --help`:
 * every command with one line. Through main() in process; the built CLI: test/cli/main.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EXEC_OPTIONS } from '../../src/cli/exec.ts';
import { HEALTH_OPTIONS } from '../../src/cli/health.ts';
import { KMS_OPTIONS, SECRET_OPTIONS } from '../../src/cli/keys/help.ts';
import { main } from '../../src/cli/main.ts';
import { MINT_OPTIONS } from '../../src/cli/mint.ts';
import { NOTARIZE_OPTIONS } from '../../src/cli/notarize.ts';
import { POLICY_OPTIONS } from '../../src/cli/policy.ts';
import { PROFILES_OPTIONS } from '../../src/cli/profiles.ts';
import { TOKEN_OPTIONS } from '../../src/cli/token.ts';
import { UPLOAD_OPTIONS } from '../../src/cli/upload.ts';
import { ROOT } from '../integrations/readme.ts';
import { COMMAND_NAMES, listsCommand } from './commands.ts';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, cwd: '/', now: Date.now });
  return { code, stdout, stderr };
}

/** `keys SUB` takes the flags of both homes of a key, `--endpoint-url` and `--region` (taken before parseArgs: src/cli/endpoint-guard.ts, src/cli/keys/regions.ts). */
const keysFlags = (sub: 'import' | 'verify' | 'show' | 'promote') => [
  ...Object.keys(SECRET_OPTIONS[sub]),
  ...(sub === 'promote' ? [] : Object.keys(KMS_OPTIONS[sub])),
  'endpoint-url',
  'region',
];

/** Each command line and the flags its parseArgs options take. */
const COMMANDS: Array<[string[], string[]]> = [
  [['token'], Object.keys(TOKEN_OPTIONS)],
  [['profiles'], Object.keys(PROFILES_OPTIONS)],
  [['mint'], Object.keys(MINT_OPTIONS)],
  [['keys'], ['secret-id', 'kms-key-id', 'endpoint-url', 'region']],
  [['keys', 'import'], keysFlags('import')],
  [['keys', 'verify'], keysFlags('verify')],
  [['keys', 'promote'], keysFlags('promote')],
  [['keys', 'show'], keysFlags('show')],
  [['policy', 'check'], Object.keys(POLICY_OPTIONS)],
  [['upload'], Object.keys(UPLOAD_OPTIONS)],
  [['notarize'], Object.keys(NOTARIZE_OPTIONS)],
  [['exec'], Object.keys(EXEC_OPTIONS)],
  [['health'], Object.keys(HEALTH_OPTIONS)],
];

/** A section of the help (`Flags:` up to the next blank line) as its entries: the left column and the text beside or under it. */
function section(help: string, title: string): Array<{ name: string; text: string }> {
  const start = help.indexOf(`\n\n${title}:\n`);
  assert.ok(start >= 0, `no ${title}: section`);
  const lines = help.slice(start + title.length + 4).split('\n\n')[0]!.split('\n');
  const entries: Array<{ name: string; text: string }> = [];
  for (const line of lines) {
    const entry = /^ {2}(\S(?:\S| (?=\S))*)(?: {2,}(\S.*))?$/.exec(line);
    if (entry && !line.startsWith('    ')) entries.push({ name: entry[1]!, text: entry[2] ?? '' });
    else entries.at(-1)!.text += ` ${line.trim()}`;
  }
  return entries;
}

describe('asc-token COMMAND --help', () => {
  for (const [command, flags] of COMMANDS) {
    it(`${command.join(' ')}: every flag of its parseArgs options with what it does, the environment, exit codes, two examples`, async () => {
      const long = await run([...command, '--help']);
      assert.equal(long.code, 0, long.stderr);
      assert.equal(long.stderr, '', 'nothing on stderr');
      assert.match(long.stdout, new RegExp(`^usage: asc-token ${command.join(' ')}[ \\n]`), 'the usage first');
      assert.deepEqual(await run([...command, '-h']), long, '-h is --help');

      const documented = section(long.stdout, 'Flags');
      const names = documented.map((entry) => /^--[a-z0-9-]+/.exec(entry.name)?.[0]);
      for (const flag of flags) {
        const entry = documented.find((e) => e.name === `--${flag}` || e.name.startsWith(`--${flag} `));
        assert.ok(entry, `--${flag} is not in the Flags of ${command.join(' ')}`);
        assert.ok(entry.text.length >= 10, `--${flag} has no description: ${JSON.stringify(entry.text)}`);
      }
      assert.deepEqual(names.filter((name) => !flags.includes(name?.slice(2) ?? '')), [], 'documents only flags the command takes');
      assert.equal(new Set(names).size, names.length, 'each flag once');

      for (const entry of section(long.stdout, 'Environment')) assert.ok(/^[A-Z][A-Z0-9_]*(, |$)/.test(entry.name) && entry.text.length >= 10, JSON.stringify(entry));
      const exits = section(long.stdout, 'Exit codes');
      assert.ok(exits.some((e) => e.name === '0' || e.name === 'N'), 'says what success is');
      assert.ok(exits.some((e) => e.name === '2'), 'says what a usage error is');
      for (const entry of exits) assert.ok(/^(\d+|N)$/.test(entry.name) && entry.text.length >= 2, JSON.stringify(entry));

      const examples = long.stdout.slice(long.stdout.indexOf('\n\nExamples:\n') + 12).trimEnd().split('\n');
      assert.ok(examples.length >= 4 && examples.length % 2 === 0, 'two or more examples, each a comment and a line');
      for (let i = 0; i < examples.length; i += 2) {
        assert.match(examples[i]!, /^ {2}# \S/, 'what the example does');
        assert.ok(examples[i + 1]!.includes(`asc-token ${command[0]}`), `an example of the command itself: ${examples[i + 1]}`);
      }
    });
  }

  it('asc-token --help (and help): every command with one line of what it does, on stdout; bare: on stderr with exit 2', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.equal(help.stderr, '');
    const listed = section(help.stdout, 'Commands');
    assert.deepEqual(listed.map((entry) => entry.name), COMMAND_NAMES);
    for (const name of COMMAND_NAMES) assert.ok(listsCommand(help.stdout, name), name);
    for (const line of help.stdout.split('\n')) assert.ok(line.length <= 110, `a line too long for a terminal: ${line}`);
    // The line is the command's own summary, from its module.
    for (const { name, text } of listed) {
      const own = await run([name, '--help']);
      assert.equal(own.stdout.split('\n\n')[1]!.replace(/\s*\n\s*/g, ' '), text, name);
    }
    assert.deepEqual(await run(['help']), help);
    assert.deepEqual(await run([]), { code: 2, stdout: '', stderr: help.stdout });
  });

  it('docs/configuration.md\'s CLI summary is every command\'s own usage, as --help prints it', async () => {
    const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const summary = doc.slice(doc.indexOf('## The CLI'));
    const block = (summary.split('```\n')[1] ?? '').split('\n').map((line) => line.trim().replace(/\s+/g, ' '));
    for (const [command] of COMMANDS.filter(([c]) => c[0] !== 'keys' || c.length > 1)) {
      const help = await run([...command, '--help']);
      const usage = help.stdout.split('\n\n')[0]!.replace(/^usage: /, '').split('\n').map((line) => line.trim().replace(/\s+/g, ' '));
      for (const line of usage) assert.ok(block.includes(line), `docs/configuration.md lacks ${command.join(' ')}'s usage line: ${line}`);
    }
  });
});
