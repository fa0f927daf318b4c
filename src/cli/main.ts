/**
 * `asc-token`: the command line (docs/design.md#the-cli). Exit codes: 0 ok, 2 usage, 3 refused (403), 4 bad request (400),
 * 5 unavailable (5xx, network), 1 other. Errors print the code and detail, then a hint of what to do.
 */
import { commandOf, summaryOf, usageOf } from './help.ts';
import { CliError, EXIT, UsageError, type CliIo } from './io.ts';
import type { KeysDeps } from './keys/index.ts';
import { refuseKeyAsP8Argument } from './p8.ts';
import { isParseArgsError, parseArgsMessage } from './parse-errors.ts';
import { argumentRedactor } from './redact.ts';
// The CI path, in dist/cli.mjs itself; every other command is a dynamic import (below).
import { profilesCommand, profilesUsage } from './profiles.ts';
import type { ServiceDeps } from './service.ts';
import { tokenCommand, tokenUsage } from './token.ts';
import { OutputGuard, workflowCommand } from '../client/ci-text.ts';
import { VERSION } from '../client/version.ts';

type Deps = ServiceDeps & KeysDeps & { now?: () => number; tmpdir?: string };
interface Command {
  /** Its help (src/cli/help.ts); the first paragraph is the usage printed after a usage error. */
  usage: () => string;
  run: (args: string[], io: CliIo, deps: Deps) => Promise<number>;
  /** The help for these arguments, where a subcommand has its own (`keys import --help`). */
  help?: (args: string[]) => string;
}

/**
 * The commands. `token` and `profiles` (what CI runs in every job) are imported statically and built into
 * dist/cli.mjs itself; every other command is a dynamic import, built into a file of its own (with chunks shared
 * with the libraries) and loaded only when it runs or for --help, so `asc-token token` pays for none of them: not
 * the Secrets Manager client of `keys`, not the zip and plist readers of `upload` (docs/design.md#quality-bars: a fresh
 * `asc-token token` within 1.5 × a bare `node -e 0`; scripts/build-options.ts). A new command is one line here,
 * `name: () => import('./name.ts').then((m) => ({ usage: () => m.NAME_USAGE, run: m.nameCommand }))`, and nothing else
 * imports its module statically.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  token: async () => ({ usage: tokenUsage, run: tokenCommand }),
  profiles: async () => ({ usage: profilesUsage, run: profilesCommand }),
  mint: () => import('./mint.ts').then((m) => ({ usage: () => m.MINT_USAGE, run: m.mintCommand })),
  keys: () => import('./keys/index.ts').then((m) => ({ usage: () => m.KEYS_USAGE, run: m.keysCommand, help: m.keysHelp })),
  policy: () => import('./policy.ts').then((m) => ({ usage: () => m.POLICY_USAGE, run: m.policyCommand })),
  upload: () => import('./upload.ts').then((m) => ({ usage: () => m.UPLOAD_USAGE, run: m.uploadCommand })),
  notarize: () => import('./notarize.ts').then((m) => ({ usage: () => m.NOTARIZE_USAGE, run: m.notarizeCommand })),
  exec: () => import('./exec.ts').then((m) => ({ usage: () => m.EXEC_USAGE, run: m.execCommand })),
  health: () => import('./health.ts').then((m) => ({ usage: () => m.HEALTH_USAGE, run: m.healthCommand })),
};

/** The whole usage text: every command with one line of what it does (loading them all, which only help does). */
export async function usage(): Promise<string> {
  const commands = await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, summaryOf((await load()).usage())] as const));
  const width = Math.max(...commands.map(([name]) => name.length)) + 3;
  return `asc-token: short-lived App Store Connect API tokens without holding the .p8 key

usage: asc-token COMMAND [ARGS...]
       asc-token COMMAND --help    what COMMAND does: flags and defaults, environment, exit codes, examples
       asc-token --version

Commands:
${commands.map(([name, summary]) => `  ${name.padEnd(width)}${summary}`).join('\n')}

The service URL comes from --url or ASC_TOKEN_URL; requests are signed with your AWS credentials
(the default chain: environment, AWS_PROFILE, SSO, web identity, instance/container role).
upload, notarize and exec take --profile from ASC_TOKEN_PROFILE; Apple's API from ASC_API_URL,
ASC_NOTARY_URL and ASC_NOTARY_S3_URL (default Apple's); a proxy from HTTPS_PROXY, http_proxy, NO_PROXY.
Exit codes: 0 ok, 1 other, 2 usage, 3 refused, 4 bad request, 5 unavailable, 6 Apple refused or failed
the job, 7 --timeout reached while Apple was still processing; exec exits with COMMAND's code.
`;
}

export async function main(argv: string[], rawIo: CliIo, deps: Deps = {}): Promise<number> {
  // Whatever a message quotes (ours, parseArgs', the AWS SDK's), no piece of an argument that looks like a key is
  // ever printed (redact.ts).
  const redact = argumentRedactor(argv);
  // Neither stream ever carries a workflow command the CLI does not mean (GitHub's runner reads both): whatever a
  // message quotes, no line is one, and no control character, escape sequence or bidi override is printed
  // (src/client/ci-text.ts). The one command the CLI issues, `::add-mask::` for --output github, goes beside the guard.
  const out = new OutputGuard();
  const err = new OutputGuard({ redraw: rawIo.stderrIsTTY === true });
  const io: CliIo = {
    ...rawIo,
    stdout: (text) => rawIo.stdout(out.clean(redact(text))),
    stderr: (text) => rawIo.stderr(err.clean(redact(text))),
    command: (name, data) => {
      rawIo.stdout(`${out.midLine ? '\n' : ''}${workflowCommand(name, data)}\n`);
      out.lineWritten();
    },
  };
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout)(await usage());
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-V' || command === '-v') {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  // exec's own arguments end at `--`; what follows is COMMAND's, --help included.
  const own = command === 'exec' && args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.includes('--help') || own.includes('-h')) {
    io.stdout(`${load ? helpOf(await load(), own) : await usage()}\n`);
    return EXIT.ok;
  }
  let loaded: Command | undefined;
  try {
    if (load === undefined) throw new UsageError(`unknown command "${command}"`);
    loaded = await load();
    refuseKeyAsP8Argument(own);
    return await loaded.run(args, io, deps);
  } catch (error) {
    // By name, not instanceof: a lazily loaded command is built apart from this file (scripts/build-options.ts), with
    // its own copy of io.ts's classes. Node's parseArgs refusals are worded in one place (src/cli/parse-errors.ts).
    if (named(error, 'UsageError') || isParseArgsError(error)) {
      const commandHelp = loaded && helpOf(loaded, own);
      const message = isParseArgsError(error) ? parseArgsMessage(error, commandHelp && usageOf(commandHelp)) : (error as Error).message;
      const more = commandHelp ? `${usageOf(commandHelp)}\nrun \`${commandOf(commandHelp)} --help\` for its flags, defaults and examples` : 'run asc-token --help';
      io.stderr(`asc-token: ${message}\n${more}\n`);
      return EXIT.usage;
    }
    if (named<CliError>(error, 'CliError')) {
      io.stderr(`asc-token: ${error.code}: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    if ((error as Error)?.name === 'ProxySettingError') {
      // HTTPS_PROXY / http_proxy that names no usable proxy (src/net/proxy.ts): a setting to fix, like a bad flag.
      io.stderr(`asc-token: invalid_proxy: ${(error as Error).message}\nhint: ${(error as { hint?: string }).hint}\n`);
      return EXIT.usage;
    }
    io.stderr(`asc-token: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.other;
  }
}

function helpOf(command: Command, args: string[]): string {
  return command.help?.(args) ?? command.usage();
}

/** `UsageError` and `CliError` (src/cli/io.ts) name themselves; class names do not survive minification. */
function named<T extends Error = Error>(error: unknown, name: 'UsageError' | 'CliError'): error is T {
  return error instanceof Error && error.name === name;
}
