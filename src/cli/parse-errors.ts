/**
 * Node's `parseArgs` refusals (`ERR_PARSE_ARGS_*`) in the CLI's words, for every command in one place (main.ts):
 * the flag named, what it needs (its placeholder from the command's usage), never Node's "argument is ambiguous".
 * The wording of Node 20, 22 and 24 is what is read; anything else keeps Node's first line.
 */

/** Whether the error is one of parseArgs'. */
export function isParseArgsError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** The refusal as one line naming the flag. @param usage the command's usage, for the flag's placeholder. */
export function parseArgsMessage(error: Error & { code: string }, usage = ''): string {
  const message = error.message;
  const flag = /^Option '(?:-\w, )?(-{1,2}[^'\s<]+)/.exec(message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (flag === undefined) break;
      if (/does not take an argument/.test(message)) return `${flag} takes no value`;
      return `${flag} needs a value${placeholder(flag, usage)}${/ambiguous/.test(message) ? ` (a value that starts with "-" is written ${flag}=-VALUE)` : ''}`;
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const unknown = /^Unknown option '([^']*)'/.exec(message)?.[1];
      if (unknown !== undefined) return `unknown flag ${unknown}`;
      break;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const argument = /^Unexpected argument '([^']*)'/.exec(message)?.[1];
      if (argument !== undefined) return `unexpected argument ${JSON.stringify(argument)}: this command takes flags only`;
      break;
    }
  }
  return message.split('\n')[0] as string;
}

/** `: --log ID` when the usage shows the flag with a placeholder. */
function placeholder(flag: string, usage: string): string {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const shown = new RegExp(`${escaped}[ =]("[^"]*"|[^\\s\\[\\]-][^\\s\\[\\]]*)`).exec(usage)?.[1];
  return shown === undefined ? '' : `: ${flag} ${shown}`;
}
