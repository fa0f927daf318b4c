/** The commands, as `asc-token --help` lists them, one line each (test/cli/main*.test.ts, test/cli/help.test.ts). */
export const COMMAND_NAMES = ['token', 'profiles', 'mint', 'keys', 'policy', 'upload', 'notarize', 'exec', 'health'];

/** Whether `asc-token --help` lists the command with a line of what it does. */
export function listsCommand(help: string, name: string): boolean {
  return new RegExp(`^  ${name} +[A-Z]\\S* \\S`, 'm').test(help);
}
