/**
 * `asc-token`: the command line (DESIGN §7). Exit codes: 0 ok, 2 usage, 3 refused (403), 4 bad request (400),
 * 5 unavailable (5xx, network), 1 other. Errors print the code and detail, then a hint of what to do.
 */
import { CliError, EXIT, UsageError, type CliIo } from './io.ts';
import { KEYS_USAGE, keysCommand, type KeysDeps } from './keys.ts';
import { MINT_USAGE, mintCommand } from './mint.ts';
import { POLICY_USAGE, policyCommand } from './policy.ts';
import { refuseKeyAsP8Argument } from './p8.ts';
import { argumentRedactor } from './redact.ts';
import { PROFILES_USAGE, TOKEN_USAGE, profilesCommand, tokenCommand, type RemoteDeps } from './remote.ts';
// The App Store Connect commands load their modules (zip and plist readers, the upload client) only when run.
import { EXEC_USAGE, NOTARIZE_USAGE, UPLOAD_USAGE } from './asc-usage.ts';

export const USAGE = `asc-token: short-lived App Store Connect API tokens without holding the .p8 key

${TOKEN_USAGE}
${PROFILES_USAGE}
${MINT_USAGE}
${KEYS_USAGE}
${POLICY_USAGE}
${UPLOAD_USAGE}
${NOTARIZE_USAGE}
${EXEC_USAGE}

The service URL comes from --url or ASC_TOKEN_URL; requests are signed with your AWS credentials
(the default chain: environment, AWS_PROFILE, SSO, web identity, instance/container role).
upload, notarize and exec take --profile from ASC_TOKEN_PROFILE; Apple's API from ASC_API_URL and
ASC_NOTARY_URL (default Apple's).
Exit codes: 0 ok, 1 other, 2 usage, 3 refused, 4 bad request, 5 unavailable, 6 Apple refused or failed
the job, 7 --timeout reached while Apple was still processing; exec exits with COMMAND's code.
`;

const USAGES: Record<string, string> = { token: TOKEN_USAGE, profiles: PROFILES_USAGE, mint: MINT_USAGE, keys: KEYS_USAGE, policy: POLICY_USAGE, upload: UPLOAD_USAGE, notarize: NOTARIZE_USAGE, exec: EXEC_USAGE };

export async function main(argv: string[], rawIo: CliIo, deps: RemoteDeps & KeysDeps & { now?: () => number; tmpdir?: string } = {}): Promise<number> {
  // Whatever a message quotes (ours, parseArgs', the AWS SDK's), no piece of an argument that looks like a key is
  // ever printed (redact.ts).
  const redact = argumentRedactor(argv);
  const io: CliIo = { ...rawIo, stdout: (text) => rawIo.stdout(redact(text)), stderr: (text) => rawIo.stderr(redact(text)) };
  const [command, ...args] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    (command === undefined ? io.stderr : io.stdout)(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  // exec's own arguments end at `--`; what follows is COMMAND's, --help included.
  const own = command === 'exec' && args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.includes('--help') || own.includes('-h')) {
    io.stdout(`${USAGES[command] ?? USAGE}\n`);
    return EXIT.ok;
  }
  try {
    refuseKeyAsP8Argument(own);
    switch (command) {
      case 'token':
        return await tokenCommand(args, io, deps);
      case 'profiles':
        return await profilesCommand(args, io, deps);
      case 'mint':
        return await mintCommand(args, io);
      case 'keys':
        return await keysCommand(args, io, deps);
      case 'policy':
        return await policyCommand(args, io);
      case 'upload':
        return await (await import('./upload.ts')).uploadCommand(args, io, deps);
      case 'notarize':
        return await (await import('./notarize.ts')).notarizeCommand(args, io, deps);
      case 'exec':
        return await (await import('./exec.ts')).execCommand(args, io, deps);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`asc-token: ${(error as Error).message}\n${USAGES[command] ?? 'run asc-token --help'}\n`);
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      io.stderr(`asc-token: ${error.code}: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    io.stderr(`asc-token: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    return EXIT.other;
  }
}
