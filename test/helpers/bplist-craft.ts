/**
 * Binary plists written object by object, for the shapes no plist library writes: shared and cyclic references,
 * offsets and lengths that point outside the file, odd widths (src/asc/bplist.ts must refuse them, or read them
 * right). Each object is written as given; references are indexes into the object list.
 */

export type CraftObject =
  | { ascii: string }
  | { utf16: string }
  | { int: number | bigint; width?: 1 | 2 | 4 | 8 }
  | { real: number; width?: 4 | 8 }
  | { bool: boolean }
  | { date: number }
  | { data: number[] }
  | { array: number[] }
  | { set: number[] }
  | { dict: Array<[number, number]> }
  | { uid: number }
  /** Bytes written as they are (a marker of an unknown type, a truncated object). */
  | { raw: number[] };

export interface CraftOptions {
  top?: number;
  refWidth?: 1 | 2 | 4 | 8;
  offsetWidth?: 1 | 2 | 4 | 8;
  /** Override trailer fields (after the real values are computed). */
  trailer?: Partial<{ offsetWidth: number; refWidth: number; count: bigint; top: bigint; table: bigint }>;
  /** Replace object offsets in the table (index → offset). */
  offsets?: Record<number, number>;
}

function sized(type: number, length: number): number[] {
  if (length < 15) return [(type << 4) | length];
  const width = length < 0x100 ? 0 : length < 0x10000 ? 1 : 2;
  return [(type << 4) | 0xf, 0x10 | width, ...be(BigInt(length), 1 << width)];
}

function be(value: bigint, width: number): number[] {
  const out: number[] = [];
  for (let i = width - 1; i >= 0; i--) out.push(Number((BigInt.asUintN(width * 8, value) >> BigInt(i * 8)) & 0xffn));
  return out;
}

function encode(object: CraftObject, refWidth: number): number[] {
  const refs = (list: number[]) => list.flatMap((ref) => be(BigInt(ref), refWidth));
  if ('ascii' in object) return [...sized(0x5, object.ascii.length), ...Buffer.from(object.ascii, 'latin1')];
  if ('utf16' in object) return [...sized(0x6, object.utf16.length), ...[...object.utf16].flatMap((c) => be(BigInt(c.charCodeAt(0)), 2))];
  if ('int' in object) {
    const width = object.width ?? 8;
    return [0x10 | Math.log2(width), ...be(BigInt(object.int), width)];
  }
  if ('real' in object) {
    const buffer = Buffer.alloc(object.width ?? 8);
    if (buffer.length === 4) buffer.writeFloatBE(object.real);
    else buffer.writeDoubleBE(object.real);
    return [0x20 | Math.log2(buffer.length), ...buffer];
  }
  if ('bool' in object) return [object.bool ? 0x09 : 0x08];
  if ('date' in object) {
    const buffer = Buffer.alloc(8);
    buffer.writeDoubleBE(object.date);
    return [0x33, ...buffer];
  }
  if ('data' in object) return [...sized(0x4, object.data.length), ...object.data];
  if ('array' in object) return [...sized(0xa, object.array.length), ...refs(object.array)];
  if ('set' in object) return [...sized(0xc, object.set.length), ...refs(object.set)];
  if ('dict' in object) return [...sized(0xd, object.dict.length), ...refs(object.dict.map(([k]) => k)), ...refs(object.dict.map(([, v]) => v))];
  if ('uid' in object) return [0x80, object.uid];
  return object.raw;
}

export function craftBplist(objects: CraftObject[], options: CraftOptions = {}): Buffer {
  const refWidth = options.refWidth ?? (objects.length < 256 ? 1 : 2);
  const offsetWidth = options.offsetWidth ?? 2;
  const bytes: number[] = [...Buffer.from('bplist00', 'latin1')];
  const offsets: number[] = [];
  for (const object of objects) {
    offsets.push(bytes.length);
    for (const byte of encode(object, refWidth)) bytes.push(byte);
  }
  for (const [index, offset] of Object.entries(options.offsets ?? {})) offsets[Number(index)] = offset;
  const table = bytes.length;
  for (const offset of offsets) for (const byte of be(BigInt(offset), offsetWidth)) bytes.push(byte);
  const t = { offsetWidth, refWidth, count: BigInt(objects.length), top: BigInt(options.top ?? 0), table: BigInt(table), ...options.trailer };
  bytes.push(0, 0, 0, 0, 0, 0, t.offsetWidth, t.refWidth, ...be(t.count, 8), ...be(t.top, 8), ...be(t.table, 8));
  return Buffer.from(bytes);
}

/** The Info.plist upload reads, as crafted objects 0–8 (the root dictionary is object 0). */
export function infoPlistObjects(extra: Array<[string, CraftObject]> = []): CraftObject[] {
  const fields: Array<[string, CraftObject]> = [
    ['CFBundleIdentifier', { ascii: 'com.example.app' }],
    ['CFBundleShortVersionString', { ascii: '1.4.0' }],
    ['CFBundleVersion', { ascii: '45' }],
    ['DTPlatformName', { ascii: 'iphoneos' }],
    ...extra,
  ];
  const objects: CraftObject[] = [{ dict: [] }];
  const pairs: Array<[number, number]> = [];
  for (const [key, value] of fields) {
    objects.push({ ascii: key });
    objects.push(value);
    pairs.push([objects.length - 2, objects.length - 1]);
  }
  objects[0] = { dict: pairs };
  return objects;
}

/**
 * Issue #20's bomb: an Info.plist (every key upload needs) whose `Bomb` value is `levels` arrays deep, each level
 * referring `refs` times to the level below, the last to one string: a few hundred bytes, refs^levels leaves once
 * expanded.
 */
export function plistBomb(levels = 10, refs = 14): Buffer {
  const objects = infoPlistObjects();
  objects.push({ ascii: 'Bomb' });
  const key = objects.length - 1;
  objects.push({ ascii: 'x' });
  let below = objects.length - 1;
  for (let level = 0; level < levels; level++) {
    objects.push({ array: Array.from({ length: refs }, () => below) });
    below = objects.length - 1;
  }
  (objects[0] as { dict: Array<[number, number]> }).dict.push([key, below]);
  return craftBplist(objects);
}
