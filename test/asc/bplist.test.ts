/**
 * Reading an Info.plist's top-level values from a binary plist (src/asc/bplist.ts): what bplist-creator writes (the
 * shape Xcode's plists have) reads back exactly; the plist bomb of issue #20 (finding 2), cycles, and every offset,
 * reference, width and length that points outside the file are refused with a PlistFormatError, never a crash or a
 * hang. The upload-level test (exit 2, through the CLI) is in test/cli/upload.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bplistCreator from 'bplist-creator';
import fc from 'fast-check';
import { MAX_VALUE_CHARS, PlistFormatError, readBinaryPlistTop } from '../../src/asc/bplist.ts';
import { craftBplist, infoPlistObjects, plistBomb, type CraftObject } from '../helpers/bplist-craft.ts';

const KEYS = ['CFBundleIdentifier', 'CFBundleShortVersionString', 'CFBundleVersion', 'DTPlatformName'];
const INFO = { CFBundleIdentifier: 'com.example.app', CFBundleShortVersionString: '1.4.0', CFBundleVersion: '45', DTPlatformName: 'iphoneos' };
const read = (bytes: Uint8Array, keys = KEYS) => Object.fromEntries(readBinaryPlistTop(bytes, keys));
const refused = (bytes: Uint8Array, message: RegExp, reason: 'malformed' | 'not_dictionary' = 'malformed') =>
  assert.throws(
    () => readBinaryPlistTop(bytes, KEYS),
    (error: unknown) => {
      assert.ok(error instanceof PlistFormatError, String(error));
      assert.equal(error.reason, reason);
      assert.match(error.message, message);
      return true;
    },
  );

describe('readBinaryPlistTop: what Xcode writes', () => {
  it('reads the wanted keys of a plist bplist-creator wrote, with nested arrays, dictionaries, data, dates and numbers beside them', () => {
    const bytes = bplistCreator({
      ...INFO,
      CFBundleName: 'Example',
      UIRequiredDeviceCapabilities: ['arm64'],
      UISupportedInterfaceOrientations: ['UIInterfaceOrientationPortrait', 'UIInterfaceOrientationLandscapeLeft'],
      CFBundleIcons: { CFBundlePrimaryIcon: { CFBundleIconFiles: ['AppIcon60x60'], CFBundleIconName: 'AppIcon' } },
      LSRequiresIPhoneOS: true,
      Data: Buffer.from('abc'),
      When: new Date(0),
      Ratio: 1.5,
      Count: 7,
    });
    assert.deepEqual(read(bytes), INFO);
  });

  it('reads numbers (1, 2, 4 and 8 bytes, reals) and UTF-16 strings; leaves other types and other keys out', () => {
    const objects = infoPlistObjects([
      ['A', { int: 200, width: 1 }],
      ['B', { int: 40_000, width: 2 }],
      ['C', { int: 4_000_000_000, width: 4 }],
      ['D', { int: -5n, width: 8 }],
      ['E', { real: 1.5, width: 4 }],
      ['F', { real: 2.25 }],
      ['G', { utf16: 'café ✓' }],
      ['H', { bool: true }],
      ['I', { data: [1, 2] }],
      ['J', { date: 0 }],
      ['K', { array: [] }],
      ['L', { uid: 3 }],
    ]);
    assert.deepEqual(read(craftBplist(objects), [...KEYS, ...'ABCDEFGHIJKL']), { ...INFO, A: 200, B: 40_000, C: 4_000_000_000, D: -5, E: 1.5, F: 2.25, G: 'café ✓' });
    assert.deepEqual(read(craftBplist(objects), ['CFBundleVersion']), { CFBundleVersion: '45' });
    assert.deepEqual(read(craftBplist(objects), []), {});
  });

  it('reads keys written as UTF-16, a key with an extended length, and 2-, 4- and 8-byte offsets and references', () => {
    const objects = infoPlistObjects();
    objects[1] = { utf16: 'CFBundleIdentifier' };
    objects[3] = { ascii: 'CFBundleShortVersionString' }; // 26 characters: its length follows the marker
    for (const offsetWidth of [1, 2, 4, 8] as const) {
      for (const refWidth of [1, 2, 4, 8] as const) assert.deepEqual(read(craftBplist(objects, { offsetWidth, refWidth })), INFO, `${offsetWidth}/${refWidth}`);
    }
  });

  it('a key whose value is a string longer than 14 characters, or up to the limit; a key that only looks like a wanted one is not it', () => {
    const long = 'com.example.a-long-bundle-identifier'.padEnd(300, 'x');
    const objects = infoPlistObjects([['CFBundleIdentifieR', { ascii: 'other' }], ['CFBundleIdentifie', { ascii: 'other' }]]);
    objects[2] = { ascii: long };
    assert.equal(read(craftBplist(objects)).CFBundleIdentifier, long);
    objects[2] = { ascii: 'a'.repeat(MAX_VALUE_CHARS) };
    assert.equal(read(craftBplist(objects)).CFBundleIdentifier, 'a'.repeat(MAX_VALUE_CHARS));
    objects[2] = { ascii: 'a'.repeat(MAX_VALUE_CHARS + 1) };
    refused(craftBplist(objects), /a value longer than 1024 characters/);
    objects[2] = { utf16: 'a'.repeat(MAX_VALUE_CHARS + 1) };
    refused(craftBplist(objects), /a value longer than 1024 characters/);
  });

  it('shares strings and numbers (as Apple\'s writer does): read, not refused', () => {
    const objects = infoPlistObjects([['Same', { array: [2, 2, 2] }]]);
    (objects[0] as { dict: Array<[number, number]> }).dict.push([1, 2]);
    assert.throws(() => readBinaryPlistTop(craftBplist(objects), KEYS), /CFBundleIdentifier twice/);
    const shared = infoPlistObjects([['Same', { array: [2, 2, 2] }], ['Again', { array: [4, 4] }]]);
    assert.deepEqual(read(craftBplist(shared)), INFO);
  });
});

describe('readBinaryPlistTop: edges', () => {
  it('the error\'s name; a reference equal to the object count; UTF-16 values and keys read whole', () => {
    assert.throws(() => readBinaryPlistTop(Buffer.from('x'), KEYS), (error: unknown) => error instanceof PlistFormatError && error.name === 'PlistFormatError');
    const objects = infoPlistObjects();
    refused(craftBplist([...objects, { array: [objects.length + 1] }].map((o, i) => (i === 0 ? { dict: [...(o as { dict: Array<[number, number]> }).dict, [1, objects.length]] } : o))), /points past the last object/);
    const utf16 = infoPlistObjects();
    utf16[2] = { utf16: 'com.example.ünïcode' };
    utf16[3] = { utf16: 'CFBundleShortVersionString' };
    assert.deepEqual(read(craftBplist(utf16)), { ...INFO, CFBundleIdentifier: 'com.example.ünïcode' });
  });

  it('a value whose bytes run into the offset table; 8-byte integers at the edge of 2^53; UID, set and data children checked', () => {
    for (const [raw, message] of [
      [[0x53, 0x41], /runs past the end/],
      [[0x62, 0, 0x41, 0], /runs past the end/],
      [[0x13, 0, 0, 0, 0, 0, 0, 1], /runs past the end/],
      [[0x22, 0, 0], /runs past the end/],
    ] as const) {
      const objects = infoPlistObjects();
      objects[6] = { raw: [...raw] };
      objects.length = 7;
      (objects[0] as { dict: Array<[number, number]> }).dict.length = 3;
      refused(craftBplist(objects), message);
    }
    const edge = infoPlistObjects();
    edge[6] = { int: -(2n ** 53n) + 1n };
    assert.equal(read(craftBplist(edge)).CFBundleVersion, -(2 ** 53) + 1);
    edge[6] = { int: -(2n ** 53n) };
    refused(craftBplist(edge), /beyond 2\^53/);
    const widths = infoPlistObjects();
    widths[6] = { int: 258, width: 2 };
    assert.equal(read(craftBplist(widths)).CFBundleVersion, 258);
    widths[6] = { real: 0.5, width: 4 };
    assert.equal(read(craftBplist(widths)).CFBundleVersion, 0.5);
    refused(craftBplist(infoPlistObjects([['U', { raw: [0x83, 0, 0] }]])), /runs past the end/);
    refused(craftBplist(infoPlistObjects([['S', { raw: [0xc3, 1, 1] }]])), /runs past the end/);
    refused(craftBplist(infoPlistObjects([['D', { raw: [0x4f, 0x10, 0x7f] }]])), /runs past the end/);
    refused(craftBplist(infoPlistObjects([['A', { raw: [0xa2, 1] }]])), /runs past the end/);
    refused(craftBplist(infoPlistObjects([['A', { array: [1, 1, 10] }]])), /referred to more than once/);
  });
});

describe('readBinaryPlistTop: refused', () => {
  it('the plist bomb of issue #20 (10 levels × 14 references): refused at once, nothing expanded', () => {
    const bomb = plistBomb(10, 14);
    assert.ok(bomb.length < 600, `${bomb.length} bytes`);
    refused(bomb, /an array or dictionary is referred to more than once/);
    refused(plistBomb(2, 2), /referred to more than once/);
    assert.deepEqual(read(plistBomb(3, 1)), INFO, 'one reference per level is no sharing');
  });

  it('a cycle: an array that holds itself, a dictionary that holds the root, the root as its own key', () => {
    refused(craftBplist(infoPlistObjects([['Loop', { array: [10] }]])), /referred to more than once .* or a cycle/);
    refused(craftBplist(infoPlistObjects([['Root', { array: [0] }]])), /referred to more than once/);
    const objects = infoPlistObjects();
    (objects[0] as { dict: Array<[number, number]> }).dict.push([0, 2]);
    refused(craftBplist(objects), /referred to more than once/);
  });

  it('a root that is not a dictionary', () => {
    refused(craftBplist([{ array: [] }]), /its root is not a dictionary/, 'not_dictionary');
    refused(craftBplist([{ ascii: 'x' }]), /its root is not a dictionary/, 'not_dictionary');
  });

  it('not bplist00, or too short for a trailer', () => {
    const good = craftBplist(infoPlistObjects());
    refused(Buffer.concat([Buffer.from('bplist01'), good.subarray(8)]), /does not start with bplist00/);
    refused(good.subarray(0, 40), /does not start with bplist00 and end with a trailer/);
    refused(Buffer.from('bplist00'), /trailer/);
    assert.doesNotThrow(() => readBinaryPlistTop(craftBplist([{ dict: [] }]), KEYS));
    assert.equal(craftBplist([{ dict: [] }]).length, 8 + 1 + 2 + 32);
  });

  it('trailer fields that do not describe a table inside the file', () => {
    const objects = infoPlistObjects();
    for (const [trailer, message] of [
      [{ offsetWidth: 3 }, /width other than 1, 2, 4 or 8/],
      [{ refWidth: 0 }, /width other than 1, 2, 4 or 8/],
      [{ refWidth: 16 }, /width other than 1, 2, 4 or 8/],
      [{ count: 0n }, /does not describe an object table/],
      [{ top: 9n }, /does not describe an object table/],
      [{ top: 2n ** 60n }, /beyond 2\^53/],
      [{ count: 10n }, /does not describe an object table/],
      [{ table: 8n }, /does not describe an object table/],
      [{ table: 2n ** 40n }, /does not describe an object table/],
      [{ count: 2n ** 52n }, /does not describe an object table/],
    ] as const) {
      refused(craftBplist(objects, { trailer }), message);
    }
  });

  it('offsets, references and lengths that point outside the objects', () => {
    const objects = infoPlistObjects();
    refused(craftBplist(objects, { offsets: { 2: 3 } }), /offset points outside the objects/);
    refused(craftBplist(objects, { offsets: { 2: 10_000 } }), /offset points outside the objects/);
    const table = craftBplist(objects).length - 32 - 2 * objects.length;
    refused(craftBplist(objects, { offsets: { 2: table } }), /offset points outside the objects/);
    refused(craftBplist(infoPlistObjects([['X', { array: [99] }]])), /points past the last object/);
    refused(craftBplist([{ dict: [[1, 50]] }, { ascii: 'CFBundleVersion' }]), /points past the last object/);
    // A string whose length runs into the offset table.
    refused(craftBplist([...infoPlistObjects().slice(0, -1), { raw: [0x5f, 0x10, 200, 0x41] }]), /runs past the end of the objects/);
    refused(craftBplist([...infoPlistObjects().slice(0, -1), { raw: [0x5f, 0x13, 0, 0, 0, 0, 0, 0, 0, 1] }]), /runs past the end of the objects/);
    // A dictionary longer than the file.
    refused(craftBplist([{ raw: [0xdf, 0x12, 0, 1, 0, 0] }]), /runs past the end of the objects/);
    refused(craftBplist([{ raw: [0xdf] }]), /runs past the end of the objects/);
    refused(craftBplist([{ raw: [0xdf, 0x12] }]), /runs past the end of the objects/);
  });

  it('malformed objects: a length that is not an integer, an unknown type or singleton, odd integer, real and date widths', () => {
    const withLast = (last: CraftObject) => craftBplist([...infoPlistObjects(), { ascii: 'Z' }, last].map((o, i) => (i === 0 ? { dict: [...(o as { dict: Array<[number, number]> }).dict, [9, 10]] } : o)));
    refused(withLast({ raw: [0x5f, 0x20, 1] }), /malformed length/);
    refused(withLast({ raw: [0x5f, 0x14, 0, 0] }), /malformed length/);
    refused(withLast({ raw: [0x70] }), /unknown type 0x7/);
    refused(withLast({ raw: [0xf0] }), /unknown type 0xf/);
    refused(withLast({ raw: [0x01] }), /unknown singleton/);
    refused(withLast({ raw: [0x15, 0, 0] }), /integer wider than 16 bytes/);
    refused(withLast({ raw: [0x21, 0, 0] }), /neither 4 nor 8 bytes/);
    refused(withLast({ raw: [0x32, 0, 0, 0, 0] }), /date that is not 8 bytes/);
    refused(withLast({ raw: [0x14, 0] }), /runs past the end/);
    refused(withLast({ raw: [0x23, 0] }), /runs past the end/);
    refused(withLast({ raw: [0x33, 0] }), /runs past the end/);
    refused(withLast({ raw: [0x42, 0] }), /runs past the end/);
    refused(withLast({ raw: [0x62, 0, 0x41] }), /runs past the end/);
    refused(withLast({ raw: [0x81] }), /runs past the end/);
    refused(withLast({ raw: [0xa2, 0] }), /runs past the end/);
    refused(withLast({ raw: [0xc2, 0] }), /runs past the end/);
    assert.deepEqual(read(withLast({ raw: [0x00] })), INFO);
    assert.deepEqual(read(withLast({ raw: [0x0f] })), INFO);
    assert.deepEqual(read(withLast({ raw: [0x14, ...new Array(16).fill(0)] })), INFO, 'a 16-byte integer beside the wanted keys');
    assert.deepEqual(read(withLast({ raw: [0x80, 1] })), INFO);
    assert.deepEqual(read(withLast({ set: [1] })), INFO);
  });

  it('wanted values of a shape upload cannot use: a 16-byte integer, an integer beyond 2^53, a key that is not a string', () => {
    const objects = infoPlistObjects();
    objects[6] = { raw: [0x14, ...new Array(16).fill(0)] };
    refused(craftBplist(objects), /integer wider than 8 bytes/);
    objects[6] = { int: 2n ** 60n };
    refused(craftBplist(objects), /integer beyond 2\^53/);
    objects[6] = { int: -(2n ** 60n) };
    refused(craftBplist(objects), /integer beyond 2\^53/);
    objects[6] = { int: 2n ** 53n - 1n };
    assert.equal(read(craftBplist(objects)).CFBundleVersion, 2 ** 53 - 1);
    const keyless = infoPlistObjects();
    keyless[1] = { int: 1, width: 1 };
    refused(craftBplist(keyless), /a key of its root dictionary is not a string/);
  });

  it('fuzzed: any bytes after the magic, and single-byte corruptions of a good plist: read or refused, never another error', () => {
    const good = craftBplist(infoPlistObjects([['More', { array: [1, 3, 5] }]]));
    const check = (bytes: Uint8Array) => {
      try {
        readBinaryPlistTop(bytes, KEYS);
      } catch (error) {
        assert.ok(error instanceof PlistFormatError, `${String(error)} for ${Buffer.from(bytes).toString('hex')}`);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => check(Buffer.concat([Buffer.from('bplist00'), tail]))), { numRuns: Number(process.env.FUZZ_RUNS ?? 300) });
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const bytes = Buffer.from(good);
        bytes[at] = byte;
        check(bytes);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) * 3 },
    );
  });
});
