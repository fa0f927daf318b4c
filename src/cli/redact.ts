/**
 * Keeping key material that arrives as an argument out of everything the CLI prints.
 *
 * People pass a key where a path belongs (`--p8 "$(cat AuthKey.p8)"`, `--p8 "$P8_BASE64"`, the key in the wrong
 * option). Messages that quote arguments — ours, `node:util`'s `parseArgs`, the AWS SDK's — would then print it
 * into a CI log. So: an argument that looks like key material is never quoted by our messages (`shownArgument`),
 * and as a last line of defence every line the CLI writes is scrubbed of any run of characters taken from such an
 * argument (`argumentRedactor`), whoever wrote the message.
 */

/** Base64 (and base64url) characters: what key material is written in. */
const RUN = /[A-Za-z0-9+/=_-]{12,}/g;
/** A run this long of base64 characters is not a path, an ID or a scope entry. */
const LONG_BASE64 = /[A-Za-z0-9+/=]{60,}/;
/** The shortest piece of an argument that is redacted wherever it reappears. */
const WINDOW = 12;

/**
 * Whether an argument could be (part of) a private key: PEM armour, a line break, or a long base64 run. A path,
 * an ID, a URL or a scope entry is none of these.
 */
export function looksLikeKeyMaterial(value: string): boolean {
  const compact = value.replace(/\s+/g, '');
  return value.includes('-----') || /PRIVATE KEY/i.test(value) || /[\r\n]|\\n/.test(value) || LONG_BASE64.test(compact) || (compact.match(SCALAR) ?? []).some(mixed);
}

/** A P-256 private scalar (JWK `d`, 43 base64url characters) or the like: 40 or more, in a run without `/` or `.`. */
const SCALAR = /[A-Za-z0-9+_=-]{40,}/g;
/** Upper and lower case, as random base64 has (43 characters without either: odds below 1e-9) and a path seldom does. */
const mixed = (run: string) => /[A-Z]/.test(run) && /[a-z]/.test(run);

/**
 * An argument as an error message may show it: quoted when it is short and plainly not key material, otherwise
 * only its length. Never any part of a value that could be a key.
 */
export function shownArgument(value: string): string {
  if (value.length <= 80 && /^[\x20-\x7e]*$/.test(value) && !looksLikeKeyMaterial(value)) return JSON.stringify(value);
  return `(a value of ${value.length} characters, not shown)`;
}

/**
 * A function that removes from a text every run of base64 characters sharing a 12-character piece with an
 * argument that looks like key material. Returns the identity when no argument does (the common case costs nothing).
 */
export function argumentRedactor(argv: readonly string[]): (text: string) => string {
  const pieces = new Set<string>();
  const whole: string[] = [];
  for (const value of argv) {
    if (!looksLikeKeyMaterial(value)) continue;
    whole.push(value);
    // `\n` escapes and PEM lines: split on anything that is not a base64 character, then keep every window.
    for (const run of value.replace(/\\n/g, '\n').match(RUN) ?? []) {
      for (let i = 0; i + WINDOW <= run.length; i++) pieces.add(run.slice(i, i + WINDOW));
    }
  }
  if (whole.length === 0) return (text) => text;
  return (text) =>
    whole.reduce((out, value) => out.split(value).join('[redacted]'), text).replace(RUN, (run) => {
      for (let i = 0; i + WINDOW <= run.length; i++) if (pieces.has(run.slice(i, i + WINDOW))) return '[redacted]';
      return run;
    });
}
