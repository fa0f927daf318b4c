/**
 * What the CLI and the GitHub Action print: the one sanitiser every printer goes through (SECURITY.md, "CI logs").
 *
 * GitHub's runner reads every line a step writes, to stdout and to stderr, for workflow commands
 * (actions/runner: `ProcessInvoker` splits the output with `StreamReader.ReadLine`, at LF, CR or CRLF;
 * `ActionCommandManager.TryProcessCommand` then tries `ActionCommand.TryParseV2`, a line that starts with `::` once
 * `TrimStart` has removed its leading white space, and `ActionCommand.TryParse`, the legacy form: `##[` anywhere in
 * the line). A `::stop-commands::` or `##[stop-commands]` that a build's file name, Apple's answer or a service's
 * refusal smuggles into the log pauses command processing, so a later `::add-mask::` prints the token in clear;
 * a `::add-mask::build` hides a word for the rest of the job. Terminal escapes (ESC, C1 controls such as CSI) clear a
 * screen, retitle a window or draw a link; bidirectional overrides show text in an order other than its own.
 *
 * So text from elsewhere (`printable`) is one line without any of those characters; and whole output (`OutputGuard`,
 * the printers' last step) keeps its line breaks but no line of it can be read as a command: a `::` after leading
 * white space becomes `: :`, every `##[` becomes `# #[`. The workflow commands the CLI and the Action mean to issue
 * (`workflowCommand`) are written beside the guard, never through it.
 *
 * The runner compares with .NET's culture-sensitive `StartsWith` and `IndexOf`, which skip characters the collation
 * ignores (controls, format characters such as U+200B or U+00AD): `:\u200b:` may read as `::`. None of those is ever
 * printed, so what the runner compares is what this module checked.
 */

/**
 * Never printed as they are: controls (C0 — CR, LF, ESC … —, DEL, C1 — NEL, CSI …), format characters (bidirectional
 * marks, embeddings, overrides and isolates, zero-width spaces and joiners, the BOM, the soft hyphen), line and
 * paragraph separators, and everything else Unicode calls default-ignorable (variation selectors, Hangul fillers).
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
/** The same, except the line feed: whole output keeps its lines. */
const UNSAFE_EXCEPT_LF = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
/** Text with none of those (printable ASCII and line feeds), which {@link OutputGuard.clean} passes on unreplaced. */
const PLAIN = /^[\x20-\x7e\n]*$/;
/** What .NET's `String.TrimStart` removes (`char.IsWhiteSpace`) before the runner looks for `::`. */
const LEADING_SPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*/;
/** A terminal's "back to the start of the line and clear it", which a progress bar on a terminal redraws with. */
const REDRAW = '\r\x1b[K';

/**
 * A line that no parser of the runner reads as a command: a `::` after its leading white space becomes `: :`, and
 * every `##[` becomes `# #[` (inserting a space never makes a new one).
 */
export function defuse(line: string): string {
  const lead = (LEADING_SPACE.exec(line) as RegExpExecArray)[0].length;
  const head = line.startsWith('::', lead) ? `${line.slice(0, lead)}: :${line.slice(lead + 2)}` : line;
  return head.replaceAll('##[', '# #[');
}

/**
 * Text from elsewhere (a token service, Apple, an archive's entry names, a plist's values) as one printable line:
 * every unsafe character replaced by a space, {@link defuse}d, at most `max` characters (then `…`; cutting a line
 * short never makes a command).
 */
export function printable(value: string, max: number): string {
  const safe = oneLine(value);
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
}

/** {@link printable} without a bound on the length. */
function oneLine(value: string): string {
  return defuse(value.replace(UNSAFE, ' '));
}

/** A workflow command's data, escaped as the runner unescapes it (the toolkit's `escapeData`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value (the toolkit's `escapeProperty`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** The workflow commands this package issues: masking a token, and the Action's error and hint. */
export type WorkflowCommand = 'add-mask' | 'error' | 'notice';

/**
 * One workflow command line (without its line feed). Data and properties are made printable first (one line, no
 * escapes; not shortened, so a token to mask is masked whole), so a message quoting something from elsewhere is
 * still one command with inert data.
 */
export function workflowCommand(name: WorkflowCommand, data: string, properties: Record<string, string> = {}): string {
  const props = Object.entries(properties).map(([key, value]) => `${key}=${escapeProperty(oneLine(value))}`);
  return `::${name}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(oneLine(data))}`;
}

/**
 * The last step of a printer (stdout, stderr, the Action's log): whatever it is given, it passes on text whose lines
 * no parser of the runner reads as a command, with no unsafe character but the line feed. It remembers where the
 * previous text ended, so a command cannot be assembled from two writes either.
 */
export class OutputGuard {
  /** The current line's first two characters after its leading white space ('' while it is blank). */
  #start = '';
  /** The current line's last two characters ('' at a line's start). */
  #tail = '';
  readonly #redraw: boolean;

  /**
   * @param options.redraw keep `\r\x1b[K` (a progress bar redrawn in place on a terminal; never in a log) as a
   * line start.
   */
  constructor(options: { redraw?: boolean } = {}) {
    this.#redraw = options.redraw === true;
  }

  /** Whether text written so far ended in the middle of a line. */
  get midLine(): boolean {
    return this.#tail !== '';
  }

  /** Told that a whole line (a workflow command) was written beside the guard. */
  lineWritten(): void {
    this.#start = '';
    this.#tail = '';
  }

  /** The text as it may be written. */
  clean(text: string): string {
    // Most output is plain ASCII (a token, a JSON answer): no Unicode property class to compile or run on it, which
    // is ~0.4 ms of every `asc-token token` (BENCHMARKS.md, CLI start).
    const clean = PLAIN.test(text) ? text : (this.#redraw ? text.split(REDRAW) : [text]).map((piece) => piece.replace(UNSAFE_EXCEPT_LF, ' ')).join(REDRAW);
    let out = '';
    for (const part of clean.split(/(\n|\r\x1b\[K)/)) {
      if (part === '\n' || part === REDRAW) {
        out += part;
        this.lineWritten();
        continue;
      }
      out += this.#segment(part);
    }
    return out;
  }

  /** A piece of one line, continuing what was written of it before. */
  #segment(text: string): string {
    let segment = text;
    // A `##[` whose `#`s ended the previous write.
    if (`${this.#tail}${segment.slice(0, 2)}`.includes('##[')) segment = ` ${segment}`;
    if (this.#start === '') {
      segment = defuse(segment);
      this.#start = segment.slice((LEADING_SPACE.exec(segment) as RegExpExecArray)[0].length).slice(0, 2);
    } else {
      // A line that so far is one `:` after white space: a `:` now would make it `::`.
      if (this.#start === ':' && segment.startsWith(':')) segment = ` ${segment}`;
      segment = segment.replaceAll('##[', '# #[');
      this.#start = `${this.#start}${segment}`.slice(0, 2);
    }
    this.#tail = `${this.#tail}${segment}`.slice(-2);
    return segment;
  }
}
