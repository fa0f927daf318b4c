/**
 * `npm start -- --with-apple`: Apple's side on loopback, so that `asc-token upload` and `asc-token notarize` can be
 * tried without Apple — App Store Connect's Build Uploads API (asc.ts), the Notary API (notary.ts) and the S3
 * bucket notarization uploads go to (s3.ts), on one port. Every API call's bearer token is checked as Apple checks
 * it, against the public half of the local server's own keys (tokens.ts), so a token the local server did not
 * vend is refused with Apple's 401. Sample files to upload and notarize are written beside it. Nothing here runs
 * in the Lambda function or ships in the package.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import yazl from 'yazl';
import { LocalAppStoreConnect } from './asc.ts';
import { logCall, notAuthorized, sendJson } from './http.ts';
import { LocalNotary } from './notary.ts';
import { LOCAL_NOTARY_BUCKET, LocalNotaryBucket } from './s3.ts';
import { readLocalKeys, tokenRefusal } from './tokens.ts';

export interface LocalApple {
  url: string;
  /** The settings that point the CLI at it. */
  env: { ASC_API_URL: string; ASC_NOTARY_URL: string; ASC_NOTARY_S3_URL: string };
  samples: { ipa: string; zip: string };
  close(): void;
}

const HOURLY_LIMIT = 3500;

export async function startLocalApple(options: { keysDirectory: string; directory: string; port: number }): Promise<LocalApple> {
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  let url = '';
  const bucket = new LocalNotaryBucket();
  const asc = new LocalAppStoreConnect(() => url, options.directory);
  const notary = new LocalNotary(() => url, bucket);
  let requestsThisHour = 0;
  let hourStarted = Date.now();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = target.pathname;
    const service = path.startsWith('/v1/') ? 'appstoreconnect' : path.startsWith('/notary/') ? 'notary' : undefined;
    if (service !== undefined) {
      if (Date.now() - hourStarted > 3_600_000) [requestsThisHour, hourStarted] = [0, Date.now()];
      if (service === 'appstoreconnect') res.setHeader('x-rate-limit', `user-hour-lim:${HOURLY_LIMIT};user-hour-rem:${Math.max(0, HOURLY_LIMIT - ++requestsThisHour)};`);
      const refused = await tokenRefusal(req.headers.authorization, readLocalKeys(options.keysDirectory), req.method ?? '', target);
      if (refused !== undefined) {
        req.resume();
        sendJson(res, 401, notAuthorized());
        return logCall(service, req.method ?? '', path, 401, `token refused: ${refused}`);
      }
      const status = service === 'appstoreconnect' ? await asc.api(req, res, target) : await notary.api(req, res, target);
      return logCall(service, req.method ?? '', path, status);
    }
    if (path.startsWith('/parts/')) return void (await asc.part(req, res, target));
    if (path.startsWith('/developer-logs/')) return logCall('notary', 'GET', '/developer-logs/…', notary.developerLog(req, res, target));
    if (path.startsWith(`/${LOCAL_NOTARY_BUCKET}/`)) return logCall('s3', req.method ?? '', path, await bucket.handle(req, res, target));
    req.resume();
    sendJson(res, 404, { errors: [{ status: '404', code: 'NOT_FOUND', title: 'Not found', detail: 'The local Apple serves /v1/… (App Store Connect), /notary/v2/… and its bucket.' }] });
  }

  const server: Server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      logCall('local-apple', req.method ?? '', req.url ?? '', 500, (error as Error).message);
      if (!res.headersSent) sendJson(res, 500, { errors: [{ status: '500', code: 'UNEXPECTED_ERROR', title: 'The local Apple failed', detail: (error as Error).message }] });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : options.port}`;
  const samples = { ipa: join(options.directory, 'Sample.ipa'), zip: join(options.directory, 'Sample.zip') };
  await writeSamples(samples);
  return {
    url,
    env: { ASC_API_URL: url, ASC_NOTARY_URL: `${url}/notary/v2`, ASC_NOTARY_S3_URL: url },
    samples,
    close() {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** An .ipa (Payload/Sample.app/Info.plist) and a .zip of a Sample.app to notarize; a new build number each start. */
async function writeSamples(samples: { ipa: string; zip: string }): Promise<void> {
  // CFBundleVersion is at most three integers of up to nine digits each: the day and the second of the day.
  const seconds = Math.floor(Date.now() / 1000);
  const build = `${Math.floor(seconds / 86_400)}.${seconds % 86_400}`;
  const plist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>CFBundleIdentifier</key>\n\t<string>com.example.sample</string>
\t<key>CFBundleName</key>\n\t<string>Sample</string>
\t<key>CFBundleShortVersionString</key>\n\t<string>1.0.0</string>
\t<key>CFBundleVersion</key>\n\t<string>${build}</string>
\t<key>DTPlatformName</key>\n\t<string>iphoneos</string>
</dict>
</plist>
`;
  const write = (file: string, entries: Array<[string, string]>) =>
    new Promise<void>((resolve, reject) => {
      const zip = new yazl.ZipFile();
      for (const [name, content] of entries) zip.addBuffer(Buffer.from(content), name);
      zip.end();
      const chunks: Buffer[] = [];
      zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
      zip.outputStream.on('error', reject);
      zip.outputStream.on('end', () => {
        writeFileSync(file, Buffer.concat(chunks), { mode: 0o644 });
        resolve();
      });
    });
  await write(samples.ipa, [
    ['Payload/Sample.app/Info.plist', plist],
    ['Payload/Sample.app/Sample', 'a stand-in for the app binary\n'],
  ]);
  await write(samples.zip, [
    ['Sample.app/Contents/Info.plist', plist.replace('iphoneos', 'macosx')],
    ['Sample.app/Contents/MacOS/Sample', 'a stand-in for the app binary\n'],
  ]);
}
