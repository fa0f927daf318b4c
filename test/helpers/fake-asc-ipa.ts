/**
 * App archives made at test time: an .ipa is a zip with Payload/NAME.app/Info.plist. The zip is written with
 * yazl and the binary plist with bplist-creator — not the libraries the code under test reads them with.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import bplistCreator from 'bplist-creator';
import yazl from 'yazl';

export interface IpaOptions {
  /** The Info.plist's entries (strings only here). */
  plist?: Record<string, string>;
  /** Binary (`bplist00`, as Xcode writes it into an exported .ipa) or XML. */
  format?: 'binary' | 'xml';
  /** Bytes of incompressible filler (the app's "binary"), stored uncompressed. */
  payloadBytes?: number;
  appName?: string;
  /** Entries written instead of the app (for broken archives). */
  entries?: Array<{ name: string; data: Buffer }>;
}

export const PLIST = {
  CFBundleIdentifier: 'com.example.app',
  CFBundleShortVersionString: '1.4.0',
  CFBundleVersion: '45',
  CFBundleName: 'Example',
  DTPlatformName: 'iphoneos',
};

export function xmlPlist(entries: Record<string, string>): Buffer {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = Object.entries(entries).map(([k, v]) => `\t<key>${escape(k)}</key>\n\t<string>${escape(v)}</string>\n`).join('');
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n${body}</dict>\n</plist>\n`);
}

export async function writeIpa(path: string, options: IpaOptions = {}): Promise<void> {
  const zip = new yazl.ZipFile();
  const app = `Payload/${options.appName ?? 'Example'}.app`;
  const entries = options.entries ?? [
    { name: `${app}/Info.plist`, data: options.format === 'xml' ? xmlPlist(options.plist ?? PLIST) : bplistCreator(options.plist ?? PLIST) },
    { name: `${app}/Example`, data: randomBytes(options.payloadBytes ?? 64 * 1024) },
    { name: `${app}/_CodeSignature/CodeResources`, data: Buffer.from('<plist/>') },
  ];
  for (const entry of entries) zip.addBuffer(entry.data, entry.name, { compress: entry.data.length < 1024 * 1024 });
  zip.end();
  const out = createWriteStream(path);
  zip.outputStream.pipe(out);
  await finished(out);
}
