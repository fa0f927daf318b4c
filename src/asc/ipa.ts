/**
 * What an .ipa says about itself: bundle ID, short version and build from `Payload/NAME.app/Info.plist` (binary
 * or XML). The archive is read with yauzl (the central directory, then that one entry; never the whole file); an
 * XML plist with plist.js, a binary one by reading only the root dictionary's wanted values (src/asc/bplist.ts: a
 * binary plist's shared references make a full parse exponential in the file's size). Entry names and plist values
 * are the archive's, not ours: messages quote them as one printable line (src/client/ci-text.ts).
 */
import { parse as parsePlist, type PlistValue } from 'plist';
import { openPromise, type Entry } from 'yauzl';
import { printable } from '../client/ci-text.ts';
import { readBinaryPlistTop, type PlistFormatError } from './bplist.ts';
import { AscError } from './errors.ts';

export const PLATFORMS = ['IOS', 'MAC_OS', 'TV_OS', 'VISION_OS'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface BundleInfo {
  /** `CFBundleIdentifier`. */
  bundleId?: string | undefined;
  /** `CFBundleShortVersionString`, e.g. `1.4.0`. */
  version?: string | undefined;
  /** `CFBundleVersion`, e.g. `45`. */
  build?: string | undefined;
  /** From `DTPlatformName`, when the plist has one Apple's API knows. */
  platform?: Platform | undefined;
  /** The entry it came from, e.g. `Payload/Example.app/Info.plist` (as one printable line: src/client/ci-text.ts). */
  plistPath: string;
}

/** Info.plist files are a few KiB; anything this big is not one. */
const MAX_PLIST_BYTES = 8 * 1024 * 1024;
const APP_PLIST = /^Payload\/([^/]+)\.app\/Info\.plist$/;
const PLATFORM_NAMES: Record<string, Platform> = { iphoneos: 'IOS', appletvos: 'TV_OS', xros: 'VISION_OS', macosx: 'MAC_OS' };

/**
 * @throws AscError `invalid_input`: not a zip, no `Payload/NAME.app/Info.plist` (or several), a plist that does
 * not parse or is not a dictionary.
 */
export async function readIpaInfo(file: string, label = file): Promise<BundleInfo> {
  let zip;
  try {
    zip = await openPromise(file, { autoClose: false, strictFileNames: false, validateEntrySizes: true });
  } catch (error) {
    throw new AscError('invalid_input', `${label} is not a readable zip archive (an .ipa is one): ${reason(error)}`, {
      hint: 'Pass the .ipa that `xcodebuild -exportArchive` wrote (method app-store / app-store-connect), not the .xcarchive or the .app.',
      cause: error,
    });
  }
  try {
    const found: Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) if (APP_PLIST.test(entry.fileName)) found.push(entry);
    } catch (error) {
      throw new AscError('invalid_input', `${label} is a damaged zip archive: ${reason(error)}`, { cause: error });
    }
    if (found.length === 0) {
      throw new AscError('invalid_input', `${label} has no Payload/NAME.app/Info.plist, so it is not an app archive`, {
        hint: 'An .ipa holds Payload/NAME.app/; export one with `xcodebuild -exportArchive`. For a .pkg, pass --bundle-id (or --app-id), --version and --build.',
      });
    }
    if (found.length > 1) {
      throw new AscError('invalid_input', `${label} holds ${found.length} apps under Payload/ (${found.map((e) => printable(e.fileName.split('/')[1] as string, 100)).join(', ')}); App Store Connect takes one`);
    }
    const entry = found[0] as Entry;
    const name = printable(entry.fileName, 300);
    if (entry.uncompressedSize > MAX_PLIST_BYTES) throw new AscError('invalid_input', `${name} in ${label} is ${entry.uncompressedSize} bytes: not an Info.plist`);
    let bytes: Buffer;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      bytes = Buffer.concat(chunks);
    } catch (error) {
      throw new AscError('invalid_input', `cannot read ${name} from ${label}: ${reason(error)}`, { cause: error });
    }
    return { ...plistFields(bytes, `${name} in ${label}`), plistPath: name };
  } finally {
    zip.close();
  }
}

/** The Info.plist keys upload reads. */
const KEYS = ['CFBundleIdentifier', 'CFBundleShortVersionString', 'CFBundleVersion', 'DTPlatformName'];

/** The fields upload needs from an Info.plist's bytes (binary `bplist00`, XML or OpenStep). */
export function plistFields(bytes: Uint8Array, label: string): Omit<BundleInfo, 'plistPath'> {
  const fields = isBinaryPlist(bytes) ? binaryFields(bytes, label) : textFields(bytes, label);
  const text = (key: string): string | undefined => {
    const field = fields.get(key);
    return typeof field === 'string' && field.trim() !== '' ? field.trim() : typeof field === 'number' ? String(field) : undefined;
  };
  const platformName = text('DTPlatformName')?.toLowerCase() ?? '';
  return {
    bundleId: text('CFBundleIdentifier'),
    version: text('CFBundleShortVersionString'),
    build: text('CFBundleVersion'),
    // Own keys only: `constructor` is no platform.
    platform: Object.hasOwn(PLATFORM_NAMES, platformName) ? PLATFORM_NAMES[platformName] : undefined,
  };
}

function binaryFields(bytes: Uint8Array, label: string): Map<string, unknown> {
  try {
    return readBinaryPlistTop(bytes, KEYS);
  } catch (error) {
    // readBinaryPlistTop throws nothing but PlistFormatErrors (test/asc/bplist.test.ts fuzzes it).
    if ((error as PlistFormatError).reason === 'not_dictionary') throw new AscError('invalid_input', `${label} is a property list but not a dictionary`);
    throw new AscError('invalid_input', `${label} is not a property list upload can read (binary): ${(error as PlistFormatError).message}`, { cause: error });
  }
}

function textFields(bytes: Uint8Array, label: string): Map<string, unknown> {
  let value: PlistValue;
  try {
    value = parsePlist(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new AscError('invalid_input', `${label} is not a property list (binary or XML): ${reason(error)}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array) {
    throw new AscError('invalid_input', `${label} is a property list but not a dictionary`);
  }
  return new Map(KEYS.filter((key) => Object.hasOwn(value as object, key)).map((key) => [key, (value as Record<string, PlistValue>)[key]]));
}

function isBinaryPlist(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 6)).toString('latin1') === 'bplist';
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return printable(message.split('\n')[0] as string, 200);
}
