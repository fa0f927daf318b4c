/**
 * The few top-level values `upload` needs from a binary property list (`bplist00`, what Xcode writes into an
 * exported .ipa), read in place, with work and memory bounded by the file's size.
 *
 * Not a plist parser, on purpose. A binary plist's arrays and dictionaries refer to their children by index, so one
 * object can be referred to many times: ten levels of arrays that each refer fourteen times to the level below is a
 * 571-byte file that a parser building the whole value tree (plist.js's `parseBinary`) expands into 14^10 objects
 * (issue #20, finding 2). Here nothing is built: the structure is walked once from the root, every offset, reference
 * and length checked against the file before it is read, each array, set or dictionary visited at most once — one
 * reached twice (shared, or a cycle) is refused, as Apple's writer never shares a collection (it shares only equal
 * strings, numbers and the like, which are not expanded) — and then only the root dictionary's wanted values are
 * read: strings or numbers (a value of another type is left unread, as upload ignores it).
 */

/** A binary plist that is not one this reader accepts. */
export class PlistFormatError extends Error {
  override readonly name = 'PlistFormatError';
  constructor(
    message: string,
    /** `not_dictionary` when the plist is well formed but its root is not a dictionary. */
    readonly reason: 'malformed' | 'not_dictionary' = 'malformed',
  ) {
    super(message);
  }
}

const MAGIC = 'bplist00';
const TRAILER_BYTES = 32;
/** Integer widths the format uses for offsets and references. */
const WIDTHS = [1, 2, 4, 8];
/** A wanted value longer than this is no bundle ID, version or platform name. */
export const MAX_VALUE_CHARS = 1024;

/**
 * The root dictionary's values for `keys` that are strings or numbers (a key whose value has another type, or that
 * is absent, is left out).
 * @throws PlistFormatError for anything that is not a well-formed `bplist00` with a dictionary at its root, and for
 * a wanted key that appears twice or whose value is longer than {@link MAX_VALUE_CHARS}.
 */
export function readBinaryPlistTop(bytes: Uint8Array, keys: readonly string[]): Map<string, string | number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < MAGIC.length + 1 + TRAILER_BYTES || latin1(bytes, 0, MAGIC.length) !== MAGIC) throw new PlistFormatError('it does not start with bplist00 and end with a trailer');
  const trailer = bytes.byteLength - TRAILER_BYTES;
  const offsetWidth = view.getUint8(trailer + 6);
  const refWidth = view.getUint8(trailer + 7);
  if (!WIDTHS.includes(offsetWidth) || !WIDTHS.includes(refWidth)) throw new PlistFormatError('its trailer has an offset or reference width other than 1, 2, 4 or 8');
  const count = uint(view, trailer + 8, 8);
  const top = uint(view, trailer + 16, 8);
  const table = uint(view, trailer + 24, 8);
  if (count === 0 || top >= count || table < MAGIC.length + 1 || table + count * offsetWidth > trailer) throw new PlistFormatError('its trailer does not describe an object table inside the file');

  /** Bytes [at, at + length) must lie in the objects, before the offset table. */
  const need = (at: number, length: number): void => {
    if (at + length > table) throw new PlistFormatError('an object runs past the end of the objects');
  };
  /** Where object `ref` starts. */
  const objectAt = (ref: number): number => {
    if (ref >= count) throw new PlistFormatError('a reference points past the last object');
    const at = uint(view, table + ref * offsetWidth, offsetWidth);
    if (at < MAGIC.length || at >= table) throw new PlistFormatError('an object offset points outside the objects');
    return at;
  };
  /** An object's type (the marker's high nibble), its low nibble, and for a sized type its length and first byte. */
  const head = (at: number): { type: number; low: number; length: number; start: number } => {
    const marker = view.getUint8(at);
    const type = marker >> 4;
    const low = marker & 0x0f;
    if (low !== 0x0f || !SIZED.has(type)) return { type, low, length: low, start: at + 1 };
    // The length follows as an integer object: 0x1n, then 2^n bytes.
    need(at + 1, 1);
    const lengthMarker = view.getUint8(at + 1);
    if (lengthMarker >> 4 !== 0x1 || (lengthMarker & 0x0f) > 3) throw new PlistFormatError('an object has a malformed length');
    const width = 1 << (lengthMarker & 0x0f);
    need(at + 2, width);
    return { type, low, length: uint(view, at + 2, width), start: at + 2 + width };
  };

  // The whole structure, each collection once: every reachable object is well formed and inside the file. A child
  // is checked where it is referred to; only an array, set or dictionary with children waits on the stack, once.
  const seen = new Uint8Array(count);
  const visit = (ref: number): { start: number; refs: number } | undefined => {
    const object = head(objectAt(ref));
    const refs = check(object, need, refWidth);
    if (refs === 0) return undefined;
    if (seen[ref] === 1) throw new PlistFormatError('an array or dictionary is referred to more than once (a plist that expands without bound, or a cycle)');
    seen[ref] = 1;
    return { start: object.start, refs };
  };
  const pending = [visit(top)];
  while (pending.length > 0) {
    const collection = pending.pop();
    if (collection === undefined) continue;
    for (let i = 0; i < collection.refs; i++) {
      const child = visit(uint(view, collection.start + i * refWidth, refWidth));
      if (child !== undefined) pending.push(child);
    }
  }

  const root = head(objectAt(top));
  if (root.type !== 0xd) throw new PlistFormatError('its root is not a dictionary', 'not_dictionary');
  const found = new Map<string, string | number>();
  const wanted = keys.map((key) => ({ key, codes: Array.from(key, (char) => char.charCodeAt(0)) }));
  for (let i = 0; i < root.length; i++) {
    const key = keyName(view, bytes, head, need, objectAt(uint(view, root.start + i * refWidth, refWidth)), wanted);
    if (key === undefined) continue;
    if (found.has(key)) throw new PlistFormatError(`it has ${key} twice`);
    const value = scalar(view, bytes, head, need, objectAt(uint(view, root.start + (root.length + i) * refWidth, refWidth)));
    if (value !== undefined) found.set(key, value);
  }
  return found;
}

/** Types whose marker's low nibble is a length (0xF: the length follows): data, strings, arrays, sets, dictionaries. */
const SIZED = new Set([0x4, 0x5, 0x6, 0xa, 0xc, 0xd]);

/**
 * Check one object (its type known, its bytes inside the objects) and say how many references it holds: an array's
 * or a set's length, twice a dictionary's (keys, then values), 0 for anything else.
 */
function check(object: { type: number; low: number; length: number; start: number }, need: Need, refWidth: number): number {
  switch (object.type) {
    case 0x0:
      // null, false, true, fill
      if (![0x0, 0x8, 0x9, 0xf].includes(object.low)) throw new PlistFormatError('it has an unknown singleton');
      return 0;
    case 0x1:
      if (object.low > 4) throw new PlistFormatError('it has an integer wider than 16 bytes');
      need(object.start, 1 << object.low);
      return 0;
    case 0x2:
      if (object.low !== 2 && object.low !== 3) throw new PlistFormatError('it has a real that is neither 4 nor 8 bytes');
      need(object.start, 1 << object.low);
      return 0;
    case 0x3:
      if (object.low !== 3) throw new PlistFormatError('it has a date that is not 8 bytes');
      need(object.start, 8);
      return 0;
    case 0x4:
    case 0x5:
      need(object.start, object.length);
      return 0;
    case 0x6:
      need(object.start, 2 * object.length);
      return 0;
    case 0x8:
      // A UID: low + 1 bytes.
      need(object.start, object.low + 1);
      return 0;
    case 0xa:
    case 0xc:
      need(object.start, object.length * refWidth);
      return object.length;
    case 0xd:
      need(object.start, 2 * object.length * refWidth);
      return 2 * object.length;
    default:
      throw new PlistFormatError(`it has an object of unknown type 0x${object.type.toString(16)}`);
  }
}

type Head = (at: number) => { type: number; low: number; length: number; start: number };
type Need = (at: number, length: number) => void;

/** Which of the wanted keys the key object at `at` is (undefined: none of them); a key must be a string. */
function keyName(view: DataView, bytes: Uint8Array, head: Head, need: Need, at: number, wanted: ReadonlyArray<{ key: string; codes: number[] }>): string | undefined {
  const key = head(at);
  if (key.type !== 0x5 && key.type !== 0x6) throw new PlistFormatError('a key of its root dictionary is not a string');
  const ascii = key.type === 0x5;
  need(key.start, ascii ? key.length : 2 * key.length);
  // Compared in place, only with the wanted keys of the same length: a few dozen bytes per key at most.
  for (const { key: name, codes } of wanted) {
    if (codes.length !== key.length) continue;
    let i = 0;
    while (i < codes.length && codes[i] === (ascii ? bytes[key.start + i] : view.getUint16(key.start + 2 * i))) i++;
    if (i === codes.length) return name;
  }
  return undefined;
}

/** A string or a number at `at`, or undefined for a value of another type. */
function scalar(view: DataView, bytes: Uint8Array, head: Head, need: Need, at: number): string | number | undefined {
  const value = head(at);
  switch (value.type) {
    case 0x1: {
      // An integer of 2^low bytes: 1, 2 and 4 unsigned, 8 signed.
      if (value.low > 3) throw new PlistFormatError('it has an integer wider than 8 bytes');
      const width = 1 << value.low;
      need(value.start, width);
      if (width < 8) return uint(view, value.start, width);
      const big = view.getBigInt64(value.start);
      if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) throw new PlistFormatError('it has an integer beyond 2^53');
      return Number(big);
    }
    case 0x2: {
      if (value.low !== 2 && value.low !== 3) throw new PlistFormatError('it has a real that is neither 4 nor 8 bytes');
      need(value.start, 1 << value.low);
      return value.low === 2 ? view.getFloat32(value.start) : view.getFloat64(value.start);
    }
    case 0x5:
    case 0x6: {
      if (value.length > MAX_VALUE_CHARS) throw new PlistFormatError(`it has a value longer than ${MAX_VALUE_CHARS} characters`);
      if (value.type === 0x5) {
        need(value.start, value.length);
        return latin1(bytes, value.start, value.length);
      }
      need(value.start, 2 * value.length);
      let text = '';
      for (let i = 0; i < value.length; i++) text += String.fromCharCode(view.getUint16(value.start + 2 * i));
      return text;
    }
    default:
      return undefined;
  }
}

/** An unsigned big-endian integer of `width` bytes (1, 2, 4 or 8) at `at`; beyond 2^53 is refused. */
function uint(view: DataView, at: number, width: number): number {
  if (width === 1) return view.getUint8(at);
  if (width === 2) return view.getUint16(at);
  if (width === 4) return view.getUint32(at);
  const high = view.getUint32(at);
  if (high >= 0x200000) throw new PlistFormatError('it has an offset, count or reference beyond 2^53');
  return high * 0x1_0000_0000 + view.getUint32(at + 4);
}

function latin1(bytes: Uint8Array, at: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + at, length).toString('latin1');
}
