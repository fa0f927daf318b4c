/**
 * What an .ipa says about itself (src/asc/ipa.ts), each refusal by its message: archives written with yazl, plists
 * with bplist-creator, XML by hand, hostile shapes with test/helpers/bplist-craft.ts. Held to by mutation testing
 * (`npm run mutate`), so every branch and message is checked here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bplistCreator from 'bplist-creator';
import { AscError } from '../../src/asc/errors.ts';
import { plistFields, readIpaInfo } from '../../src/asc/ipa.ts';
import { craftBplist, infoPlistObjects, plistBomb } from '../helpers/bplist-craft.ts';
import { PLIST, writeIpa, xmlPlist } from '../helpers/fake-asc-ipa.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'asc-ipa-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function ipa(options: Parameters<typeof writeIpa>[1]): Promise<string> {
  const file = join(dir, `app-${++n}.ipa`);
  await writeIpa(file, options);
  return file;
}

/** Refused with `invalid_input`, the message exactly `message` (or matching it), the hint as given. */
async function refused(promise: Promise<unknown>, message: string | RegExp, hint?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AscError, String(error));
    assert.equal(error.code, 'invalid_input');
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    if (hint) assert.match(error.hint ?? '', hint);
    else assert.equal(error.hint, undefined);
    return true;
  });
}

const INFO = { bundleId: 'com.example.app', version: '1.4.0', build: '45', platform: 'IOS' };

describe('readIpaInfo', () => {
  it('reads a binary Info.plist (as Xcode exports it) and an XML one, naming the entry; the label defaults to the path', async () => {
    const binary = await ipa({});
    assert.deepEqual(await readIpaInfo(binary, 'Example.ipa'), { ...INFO, plistPath: 'Payload/Example.app/Info.plist' });
    assert.deepEqual(await readIpaInfo(await ipa({ format: 'xml', appName: 'Other App' })), { ...INFO, plistPath: 'Payload/Other App.app/Info.plist' });
    await refused(readIpaInfo(join(dir, 'missing.ipa')), new RegExp(`^${join(dir, 'missing.ipa').replace(/[/.]/g, '\\$&')} is not a readable zip archive`), /xcodebuild -exportArchive/);
  });

  it('not a zip: says so, with the first line of the reason and a hint', async () => {
    const file = join(dir, 'text.ipa');
    writeFileSync(file, 'just some text, long enough to have no end of central directory record in it at all');
    await refused(readIpaInfo(file, 'text.ipa'), 'text.ipa is not a readable zip archive (an .ipa is one): End of central directory record signature not found. Either not a zip file, or file is truncated.', /^Pass the \.ipa that `xcodebuild -exportArchive` wrote \(method app-store \/ app-store-connect\), not the \.xcarchive or the \.app\.$/);
  });

  it('a damaged central directory: a damaged zip archive', async () => {
    const good = readFileSync(await ipa({}));
    const eocd = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const centralStart = good.readUInt32LE(eocd + 16);
    const damaged = Buffer.from(good);
    damaged.writeUInt32LE(0x12345678, centralStart); // the first central directory entry's signature
    const file = join(dir, 'damaged.ipa');
    writeFileSync(file, damaged);
    await refused(readIpaInfo(file, 'damaged.ipa'), /^damaged\.ipa is a damaged zip archive: invalid central directory file header signature: 0x12345678$/);
  });

  it('no app, or several: what is wrong and what to do', async () => {
    await refused(
      readIpaInfo(await ipa({ entries: [{ name: 'Payload/Example.app/Example', data: Buffer.from('x') }, { name: 'Info.plist', data: bplistCreator(PLIST) }, { name: 'Payload/Info.plist', data: bplistCreator(PLIST) }, { name: 'Payload/A.app/B/Info.plist', data: bplistCreator(PLIST) }] }), 'none.ipa'),
      'none.ipa has no Payload/NAME.app/Info.plist, so it is not an app archive',
      /^An \.ipa holds Payload\/NAME\.app\/; export one with `xcodebuild -exportArchive`\. For a \.pkg, pass --bundle-id \(or --app-id\), --version and --build\.$/,
    );
    await refused(
      readIpaInfo(await ipa({ entries: [{ name: 'Payload/One.app/Info.plist', data: bplistCreator(PLIST) }, { name: 'Payload/Two\n::x.app/Info.plist', data: bplistCreator(PLIST) }] }), 'two.ipa'),
      'two.ipa holds 2 apps under Payload/ (One.app, Two ::x.app); App Store Connect takes one',
    );
  });

  it('an Info.plist of more than 8 MiB is not one; exactly 8 MiB is read (and is not a plist)', async () => {
    await refused(readIpaInfo(await ipa({ entries: [{ name: 'Payload/Big.app/Info.plist', data: Buffer.alloc(8 * 1024 * 1024 + 1) }] }), 'big.ipa'), 'Payload/Big.app/Info.plist in big.ipa is 8388609 bytes: not an Info.plist');
    await refused(readIpaInfo(await ipa({ entries: [{ name: 'Payload/Big.app/Info.plist', data: Buffer.alloc(8 * 1024 * 1024, 0x20) }] }), 'edge.ipa'), /^Payload\/Big\.app\/Info\.plist in edge\.ipa is not a property list \(binary or XML\): /);
  });

  it('an entry that cannot be read (its compressed data damaged): says which, from which archive', async () => {
    const good = readFileSync(await ipa({ entries: [{ name: 'Payload/Example.app/Info.plist', data: xmlPlist(PLIST) }] }));
    const damaged = Buffer.from(good);
    const header = damaged.indexOf(Buffer.from('Payload/Example.app/Info.plist'));
    for (let i = header + 30; i < header + 60; i++) damaged[i] = 0xff;
    const file = join(dir, 'unreadable.ipa');
    writeFileSync(file, damaged);
    await refused(readIpaInfo(file, 'unreadable.ipa'), /^cannot read Payload\/Example\.app\/Info\.plist from unreadable\.ipa: \S/);
  });

  it('names are matched whole: no prefix before Payload/, nothing after Info.plist; a backslash elsewhere is no harm', async () => {
    await refused(readIpaInfo(await ipa({ entries: [{ name: 'xPayload/A.app/Info.plist', data: bplistCreator(PLIST) }, { name: 'Payload/A.app/Info.plistx', data: bplistCreator(PLIST) }] }), 'near.ipa'), 'near.ipa has no Payload/NAME.app/Info.plist, so it is not an app archive', /xcodebuild/);
    const info = await readIpaInfo(await ipa({ entries: [{ name: 'Payload/A.app/Info.plist', data: bplistCreator(PLIST) }, { name: 'Payload/A.app/odd\\name', data: Buffer.from('x') }] }), 'odd.ipa');
    assert.equal(info.bundleId, 'com.example.app');
  });

  it('an entry whose real size is not the one the archive declares: refused (yauzl checks sizes)', async () => {
    const good = readFileSync(await ipa({ entries: [{ name: 'Payload/Example.app/Info.plist', data: xmlPlist(PLIST) }] }));
    const lying = Buffer.from(good);
    const eocd = lying.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const central = lying.readUInt32LE(eocd + 16);
    lying.writeUInt32LE(lying.readUInt32LE(central + 24) - 5, central + 24); // uncompressed size, central directory
    const file = join(dir, 'lying.ipa');
    writeFileSync(file, lying);
    await refused(readIpaInfo(file, 'lying.ipa'), /^cannot read Payload\/Example\.app\/Info\.plist from lying\.ipa: too many bytes in the stream/);
  });

  it('errors keep their cause; the archive is closed after each read', async () => {
    const file = join(dir, 'plain.ipa');
    writeFileSync(file, 'not a zip at all, and long enough to be no zip either, really not');
    await assert.rejects(readIpaInfo(file), (error: unknown) => error instanceof AscError && error.cause instanceof Error);
    const bomb = await ipa({ entries: [{ name: 'Payload/Bomb.app/Info.plist', data: plistBomb() }] });
    await assert.rejects(readIpaInfo(bomb), (error: unknown) => error instanceof AscError && error.cause instanceof Error && error.cause.name === 'PlistFormatError');
    const good = await ipa({});
    const open = () => readdirSync('/proc/self/fd').length;
    await readIpaInfo(good);
    const before = open();
    for (let i = 0; i < 20; i++) {
      await readIpaInfo(good);
      await assert.rejects(readIpaInfo(bomb));
    }
    assert.ok(open() < before + 10, `file descriptors: ${before} → ${open()}`);
  });

  it('a plist bomb in the archive is refused as what it is', async () => {
    await refused(readIpaInfo(await ipa({ entries: [{ name: 'Payload/Bomb.app/Info.plist', data: plistBomb() }] }), 'bomb.ipa'), /^Payload\/Bomb\.app\/Info\.plist in bomb\.ipa is not a property list upload can read \(binary\): an array or dictionary is referred to more than once/);
  });
});

describe('plistFields', () => {
  const xml = (body: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n${body}\n</plist>\n`);

  it('the four fields, trimmed; numbers as text; empty or other types as absent', () => {
    assert.deepEqual(plistFields(bplistCreator({ ...PLIST, CFBundleVersion: 45, CFBundleShortVersionString: '  1.4.0\t', CFBundleIdentifier: '   ', DTPlatformName: true }), 'x'), { bundleId: undefined, version: '1.4.0', build: '45', platform: undefined });
    assert.deepEqual(plistFields(xml('<dict><key>CFBundleVersion</key><integer>7</integer><key>CFBundleIdentifier</key><array/></dict>'), 'x'), { bundleId: undefined, version: undefined, build: '7', platform: undefined });
    assert.deepEqual(plistFields(Buffer.from('{ CFBundleIdentifier = "com.example.step"; CFBundleVersion = "3"; }'), 'x'), { bundleId: 'com.example.step', version: undefined, build: '3', platform: undefined });
  });

  it('the platform from DTPlatformName, case-insensitively; one Apple\'s API does not know is none', () => {
    for (const [name, platform] of [['iphoneos', 'IOS'], ['iPhoneOS', 'IOS'], ['appletvos', 'TV_OS'], ['xros', 'VISION_OS'], ['macosx', 'MAC_OS'], ['watchos', undefined], ['iphonesimulator', undefined], ['constructor', undefined]] as const) {
      assert.equal(plistFields(bplistCreator({ ...PLIST, DTPlatformName: name }), 'x').platform, platform, name);
    }
  });

  it('reads only its keys from an XML plist, never inherited ones', () => {
    assert.deepEqual(plistFields(xml('<dict><key>toString</key><string>x</string></dict>'), 'x'), { bundleId: undefined, version: undefined, build: undefined, platform: undefined });
  });

  it('refusals: not a plist, not a dictionary (binary, XML, OpenStep), a binary one upload cannot read', () => {
    const cases: Array<[Uint8Array, string | RegExp]> = [
      [Buffer.from('<html>'), /^P in A is not a property list \(binary or XML\): \S/],
      [Buffer.from('{ a = '), /^P in A is not a property list \(binary or XML\): /],
      [xml(''), 'P in A is a property list but not a dictionary'],
      [xml('<array><string>a</string></array>'), 'P in A is a property list but not a dictionary'],
      [xml('<string>a</string>'), 'P in A is a property list but not a dictionary'],
      [xml('<date>2020-01-01T00:00:00Z</date>'), 'P in A is a property list but not a dictionary'],
      [xml('<data>AAAA</data>'), 'P in A is a property list but not a dictionary'],
      [Buffer.from('( "a", "b" )'), 'P in A is a property list but not a dictionary'],
      [craftBplist([{ array: [] }]), 'P in A is a property list but not a dictionary'],
      [bplistCreator(['a']), 'P in A is a property list but not a dictionary'],
      [craftBplist(infoPlistObjects([['Loop', { array: [10] }]])), /^P in A is not a property list upload can read \(binary\): an array or dictionary is referred to more than once/],
      [Buffer.from('bplist01 and then anything'), /^P in A is not a property list upload can read \(binary\): it does not start with bplist00/],
    ];
    for (const [bytes, message] of cases) {
      assert.throws(
        () => plistFields(bytes, 'P in A'),
        (error: unknown) => {
          assert.ok(error instanceof AscError, String(error));
          assert.equal(error.code, 'invalid_input');
          if (typeof message === 'string') assert.equal(error.message, message);
          else assert.match(error.message, message);
          return true;
        },
        String(message),
      );
    }
  });
});
