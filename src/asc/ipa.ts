/**
 * What an .ipa says about itself: bundle ID, short version and build from `Payload/NAME.app/Info.plist` (binary
 * or XML). The archive is read with yauzl (the central directory, then that one entry; never the whole file) and
 * the plist with plist.js; neither is hand-written.
 */
import { parse as parsePlist, type PlistValue } from 'plist';
import { openPromise, type Entry } from 'yauzl';
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
  /** The entry it came from, e.g. `Payload/Example.app/Info.plist`. */
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
      throw new AscError('invalid_input', `${label} holds ${found.length} apps under Payload/ (${found.map((e) => e.fileName.split('/')[1]).join(', ')}); App Store Connect takes one`);
    }
    const entry = found[0] as Entry;
    if (entry.uncompressedSize > MAX_PLIST_BYTES) throw new AscError('invalid_input', `${entry.fileName} in ${label} is ${entry.uncompressedSize} bytes: not an Info.plist`);
    let bytes: Buffer;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      bytes = Buffer.concat(chunks);
    } catch (error) {
      throw new AscError('invalid_input', `cannot read ${entry.fileName} from ${label}: ${reason(error)}`, { cause: error });
    }
    return { ...plistFields(bytes, `${entry.fileName} in ${label}`), plistPath: entry.fileName };
  } finally {
    zip.close();
  }
}

/** The fields upload needs from an Info.plist's bytes (binary `bplist00`, XML or OpenStep). */
export function plistFields(bytes: Uint8Array, label: string): Omit<BundleInfo, 'plistPath'> {
  let value: PlistValue;
  try {
    value = parsePlist(isBinaryPlist(bytes) ? new Uint8Array(bytes) : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new AscError('invalid_input', `${label} is not a property list (binary or XML): ${reason(error)}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array) {
    throw new AscError('invalid_input', `${label} is a property list but not a dictionary`);
  }
  const text = (key: string): string | undefined => {
    const field = (value as Record<string, PlistValue>)[key];
    return typeof field === 'string' && field.trim() !== '' ? field.trim() : typeof field === 'number' ? String(field) : undefined;
  };
  const platformName = text('DTPlatformName')?.toLowerCase();
  return {
    bundleId: text('CFBundleIdentifier'),
    version: text('CFBundleShortVersionString'),
    build: text('CFBundleVersion'),
    platform: platformName === undefined ? undefined : PLATFORM_NAMES[platformName],
  };
}

function isBinaryPlist(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, 6)).toString('latin1') === 'bplist';
}

function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 200) ?? 'unknown error';
}
