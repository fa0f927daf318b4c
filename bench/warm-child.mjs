// Warm rate, in one process: the built handler (dist/handler.mjs, its log lines to stdout as in Lambda; the
// benchmark points stdout at /dev/null) against bare jose SignJWT and raw node:crypto on the same key, in
// interleaved rounds. Results go to the file BENCH_RESULTS names.
import { createPrivateKey, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';

const { handler } = await import(process.env.BENCH_HANDLER);
const event = JSON.parse(process.env.BENCH_EVENT);
const context = { awsRequestId: 'bench' };
const first = await handler(event, context);
if (first.statusCode !== 200) throw new Error(`the handler answered ${first.statusCode}: ${first.body}`);

const pkcs8 = Buffer.from(process.env.BENCH_PKCS8, 'base64');
// jose at its fastest: a WebCrypto key imported once (jose 6 signs through WebCrypto). The service signs with
// node:crypto (src/core/sign.ts), as the `crypto` candidate does.
const cryptoKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
const keyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
const claims = { iss: '57246542-96fe-1a63-e053-0824d011072a', aud: 'appstoreconnect-v1' };
const input = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0');

const candidates = {
  handler: () => handler(event, context),
  jose: () => new SignJWT({ ...claims, iat: 1, exp: 2 }).setProtectedHeader({ alg: 'ES256', kid: 'BENCHKEY01', typ: 'JWT' }).sign(cryptoKey),
  crypto: () => sign('sha256', input, { key: keyObject, dsaEncoding: 'ieee-p1363' }),
};
async function rate(fn, ms) {
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return (n / ms) * 1000;
}
const results = { handler: [], jose: [], crypto: [] };
const order = Object.keys(candidates);
for (let round = 0; round < Number(process.env.BENCH_ROUNDS); round++) {
  // Alternate the order so that neither side always runs right after the other.
  for (const name of round % 2 === 0 ? order : [...order].reverse()) results[name].push(await rate(candidates[name], 200));
}
writeFileSync(process.env.BENCH_RESULTS, JSON.stringify(results));
