/**
 * GitHub's runner reading a step's output for workflow commands, ported from actions/runner (C#) so tests can ask
 * what the runner would do with every line the CLI and the Action print:
 *
 * - `src/Runner.Sdk/ProcessInvoker.cs` (`StartReadStream`): stdout and stderr are each read with
 *   `StreamReader.ReadLine`, which ends a line at LF, CR or CRLF;
 * - `src/Runner.Worker/ActionCommandManager.cs` (`TryProcessCommand`): each line goes to `ActionCommand.TryParseV2`,
 *   then, when that fails, to `ActionCommand.TryParse`; the registered commands (compared case-insensitively) are
 *   the extensions of that file plus `stop-commands`, and after `stop-commands` its data too (the resume token);
 * - `src/Runner.Common/ActionCommand.cs`: `TryParseV2` takes `::NAME[ PROPS]::DATA` after `message.TrimStart()`;
 *   `TryParse`, the legacy form, takes `##[NAME[ PROPS]]DATA` with `##[` anywhere in the line.
 *
 * .NET's `StartsWith(string)` and `IndexOf(string)` are culture-sensitive: they skip what the collation ignores
 * (controls, format characters). `culture: true` models that by matching on the line with every control, format and
 * default-ignorable character removed — a superset of what a runner with or without invariant globalisation sees.
 */

/** ActionCommandManager.cs: the IActionCommandExtension commands, plus `stop-commands`. */
export const REGISTERED_COMMANDS = ['stop-commands', 'set-env', 'set-output', 'save-state', 'add-mask', 'add-path', 'add-matcher', 'remove-matcher', 'debug', 'warning', 'error', 'notice', 'group', 'endgroup', 'echo'] as const;

export interface ParsedCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
  /** Which parser read it. */
  form: 'v2' | 'legacy';
  line: string;
}

/** `StreamReader.ReadLine`: lines end at `\r\n`, `\r` or `\n`; a last line without an end counts. */
export function readLines(output: string): string[] {
  const lines = output.split(/\r\n|\r|\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** .NET `char.IsWhiteSpace`, what `String.TrimStart()` removes. */
const DOTNET_WHITE_SPACE = /^[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const IGNORABLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

const unescapeData = (s: string) => s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
const unescapeProperty = (s: string) => s.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%3A', ':').replaceAll('%2C', ',').replaceAll('%25', '%');
const unescapeLegacy = (s: string) => s.replaceAll('%3B', ';').replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%5D', ']').replaceAll('%25', '%');

/** `ActionCommand.TryParseV2`. `registered` is compared case-insensitively; `null` accepts any name. */
export function tryParseV2(input: string, registered: ReadonlySet<string> | null, options: { culture?: boolean } = {}): ParsedCommand | undefined {
  if (!input) return undefined;
  let message = input.replace(DOTNET_WHITE_SPACE, '');
  if (options.culture) message = message.replace(IGNORABLE, '').replace(DOTNET_WHITE_SPACE, '');
  if (!message.startsWith('::')) return undefined;
  const endIndex = message.indexOf('::', 2);
  if (endIndex < 0) return undefined;
  const cmdInfo = message.slice(2, endIndex);
  const spaceIndex = cmdInfo.indexOf(' ');
  const command = spaceIndex < 0 ? cmdInfo : cmdInfo.slice(0, spaceIndex);
  if (!isRegistered(command, registered)) return undefined;
  const properties: Record<string, string> = {};
  if (spaceIndex > 0) {
    for (const property of cmdInfo.slice(spaceIndex + 1).trim().split(',').filter(Boolean)) {
      const eq = property.indexOf('=');
      if (eq > 0 && eq < property.length - 1) properties[property.slice(0, eq)] = unescapeProperty(property.slice(eq + 1));
    }
  }
  return { command, properties, data: unescapeData(message.slice(endIndex + 2)), form: 'v2', line: input };
}

/** `ActionCommand.TryParse` (the legacy `##[command]` form). */
export function tryParseLegacy(input: string, registered: ReadonlySet<string> | null, options: { culture?: boolean } = {}): ParsedCommand | undefined {
  if (!input) return undefined;
  const message = options.culture ? input.replace(IGNORABLE, '') : input;
  const prefixIndex = message.indexOf('##[');
  if (prefixIndex < 0) return undefined;
  const rbIndex = message.indexOf(']', prefixIndex);
  if (rbIndex < 0) return undefined;
  const cmdInfo = message.slice(prefixIndex + 3, rbIndex);
  const spaceIndex = cmdInfo.indexOf(' ');
  const command = spaceIndex < 0 ? cmdInfo : cmdInfo.slice(0, spaceIndex);
  if (!isRegistered(command, registered)) return undefined;
  const properties: Record<string, string> = {};
  if (spaceIndex > 0) {
    for (const property of cmdInfo.slice(spaceIndex + 1).split(';').filter(Boolean)) {
      const eq = property.indexOf('=');
      if (eq > 0 && eq < property.length - 1) properties[property.slice(0, eq)] = unescapeLegacy(property.slice(eq + 1));
    }
  }
  return { command, properties, data: unescapeLegacy(message.slice(rbIndex + 1)), form: 'legacy', line: input };
}

function isRegistered(command: string, registered: ReadonlySet<string> | null): boolean {
  if (command === '') return false;
  if (registered === null) return true;
  const lower = command.toLowerCase();
  return [...registered].some((name) => name.toLowerCase() === lower);
}

/**
 * Every command the runner would read in one stream's output: each line through `TryParseV2`, then `TryParse`.
 * `registered: null` (the default) counts any name as a command — stricter than the runner, which also accepts a
 * `stop-commands` token as a name.
 */
export function commandsIn(output: string, options: { registered?: ReadonlySet<string> | null } = {}): ParsedCommand[] {
  const registered = options.registered === undefined ? null : options.registered;
  const found: ParsedCommand[] = [];
  for (const line of readLines(output)) {
    for (const culture of [false, true]) {
      const command = tryParseV2(line, registered, { culture }) ?? tryParseLegacy(line, registered, { culture });
      if (command) {
        found.push(command);
        break;
      }
    }
  }
  return found;
}

/**
 * A job's log as `ActionCommandManager.TryProcessCommand` processes it, stream after stream, line by line: a
 * `stop-commands` pauses processing until a command named by its data; `add-mask` registers a secret. Returns what it
 * processed, the values it masks, and the token it is still waiting for, if any.
 */
export function simulateRunner(outputs: readonly string[]): { processed: ParsedCommand[]; masks: string[]; waitingFor: string | undefined } {
  const registered = new Set<string>(REGISTERED_COMMANDS);
  const processed: ParsedCommand[] = [];
  const masks: string[] = [];
  let stopToken: string | undefined;
  for (const output of outputs) {
    for (const line of readLines(output)) {
      const command = tryParseV2(line, registered) ?? tryParseLegacy(line, registered);
      if (!command) continue;
      const name = command.command.toLowerCase();
      if (stopToken !== undefined) {
        if (stopToken !== '' && name === stopToken.toLowerCase()) {
          registered.delete(stopToken);
          stopToken = undefined;
        }
        continue;
      }
      if (name === 'stop-commands') {
        stopToken = command.data;
        registered.add(stopToken);
        continue;
      }
      processed.push(command);
      if (name === 'add-mask' && command.data.trim() !== '') masks.push(command.data);
    }
  }
  return { processed, masks, waitingFor: stopToken };
}
