/**
 * A command's help (`asc-token COMMAND --help`), written beside the command: what it does, each flag with its
 * default, the environment it reads, its exit codes and examples, in one layout for every command. main.ts reads two
 * things back from the text: the usage (its first paragraph, printed after a usage error) and the summary (the
 * line after it, in `asc-token --help`'s list of commands).
 */

export interface HelpFlag {
  /** `--url URL[,URL…]`: the flag as typed, with its placeholder. */
  flag: string;
  /** What it does. */
  text: string;
  /** What applies when the flag is not given (omitted: nothing, or `text` says it). */
  default?: string;
}

export interface CommandHelp {
  /** `usage: asc-token …` lines, as they are printed. */
  usage: string;
  /** One line: what the command does. */
  summary: string;
  /** More about it, in paragraphs. */
  about?: string[];
  flags: HelpFlag[];
  /** Environment variables read, with what for. */
  env?: Array<[string, string]>;
  /** Exit codes with what they mean here. */
  exits: Array<[number | string, string]>;
  /** At least two: a comment (what it does) and the command line. */
  examples: Array<[string, string]>;
}

const WIDTH = 100;

/**
 * The help, built the first time it is read: for the commands inside dist/cli.mjs itself (token, profiles), whose
 * module is loaded on every run and whose help is printed on few (wrapping it costs ~0.5 ms of each start).
 */
export function lazyHelpText(help: CommandHelp): () => string {
  let text: string | undefined;
  return () => (text ??= helpText(help));
}

/** The help as printed. */
export function helpText(help: CommandHelp): string {
  const section = (title: string, rows: Array<[string, string]>, pad: number) => [`${title}:`, ...rows.map(([left, right]) => row(left, right, pad))].join('\n');
  const flagWidth = Math.min(28, Math.max(...help.flags.map((f) => f.flag.length)) + 4);
  const parts = [
    help.usage,
    wrap(help.summary, 0),
    ...(help.about ?? []).map((paragraph) => wrap(paragraph, 0)),
    section('Flags', help.flags.map((f) => [f.flag, f.default === undefined ? f.text : `${f.text} Default: ${f.default}.`]), flagWidth),
  ];
  if (help.env && help.env.length > 0) parts.push(section('Environment', help.env, Math.min(34, Math.max(...help.env.map(([name]) => name.length)) + 4)));
  parts.push(section('Exit codes', help.exits.map(([code, text]) => [String(code), text]), 6));
  parts.push(['Examples:', ...help.examples.map(([what, line]) => `  # ${what}\n  ${line}`)].join('\n'));
  return parts.join('\n\n');
}

/** `  LEFT    RIGHT` with RIGHT wrapped under itself. */
function row(left: string, right: string, pad: number): string {
  const head = `  ${left}`;
  const indent = pad + 2;
  const text = wrap(right, indent).trimStart();
  return head.length + 2 > indent ? `${head}\n${' '.repeat(indent)}${text}` : `${head.padEnd(indent)}${text}`;
}

/** Words wrapped to the width, each line indented. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}${l}`).join('\n');
}

/** The usage part of a command's help text: its first paragraph. */
export function usageOf(text: string): string {
  return text.split('\n\n')[0] as string;
}

/** The one-line summary of a command's help text, or its first usage line when it has no more than usage. */
export function summaryOf(text: string): string {
  const second = text.split('\n\n')[1];
  return second === undefined ? (text.split('\n')[0] as string).replace(/^usage:\s*/, '') : second.replace(/\s*\n\s*/g, ' ');
}

/** `asc-token keys show` for help whose usage starts `usage: asc-token keys show --secret-id ID`: the words before the first argument. */
export function commandOf(text: string): string {
  const words = (text.split('\n')[0] as string).replace(/^usage:\s*/, '').split(' ');
  const end = words.findIndex((word, i) => i > 0 && !/^[a-z][a-z-]*$/.test(word));
  return words.slice(0, end < 0 ? words.length : end).join(' ');
}

/** `--url`, as every command that calls the token service takes it. */
export const URL_FLAG: HelpFlag = {
  flag: '--url URL[,URL…]',
  text: "The token service's API base URL, stage included (https; http only on loopback). Several, comma-separated, are tried in order: the next at once on a network error, a timeout, a 5xx or 429, never after a refusal.",
  default: '$ASC_TOKEN_URL',
};

/** `--profile`, as the commands that work with vended tokens take it. */
export const PROFILE_FLAG: HelpFlag = { flag: '--profile P', text: "The policy's profile whose tokens the job uses (`asc-token profiles` lists yours).", default: '$ASC_TOKEN_PROFILE' };

/** What every command that calls the token service reads from the environment. */
export const SERVICE_ENV: Array<[string, string]> = [
  ['ASC_TOKEN_URL', 'The service URL(s) when --url is not given.'],
  ['AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN', 'The AWS credentials that sign each request (SigV4).'],
  ['AWS_PROFILE', 'Else this profile of ~/.aws/config (SSO, an assumed role); without either, web identity, then the container or instance role.'],
  ['AWS_REGION', 'The signing region for a URL whose host names none (a custom domain).'],
  ['HTTPS_PROXY, http_proxy, NO_PROXY', 'A proxy for https / http URLs, and the hosts that bypass it, as curl reads them (lower case too).'],
];

/** The exit codes of a call to the token service. */
export const SERVICE_EXITS: Array<[number, string]> = [
  [0, 'ok'],
  [1, 'other: an answer that is not the service’s, an unexpected error'],
  [2, 'usage: a flag, an argument or a setting is wrong (nothing was sent)'],
  [3, 'refused (403): the signature, IAM or the policy said no; the hint says which and what to do'],
  [4, 'bad request (400: a scope or ttl the profile does not take), or no such endpoint (404)'],
  [5, 'unavailable: 5xx, the network, no AWS credentials'],
];
