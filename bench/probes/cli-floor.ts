/**
 * Probe, for comparison only: the signed request alone under `asc-token token` (what signing adds to the floor,
 * bench/probes/unsigned-post.mjs) — the same SigV4-signed POST (the service's own
 * signer, src/sigv4.ts over @smithy/signature-v4) with credentials from the environment, over node:http, the
 * token printed; no argument parsing, no checks of the answer, no retries, no error handling. Built like the CLI.
 * Usage: node cli-floor.mjs URL PROFILE
 */
import { request } from 'node:http';
import { createSigner } from '../../src/sigv4.ts';

const url = new URL(`${process.argv[2]}/v1/tokens/${process.argv[3]}`);
const signer = createSigner({ accessKeyId: process.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY as string }, process.env.AWS_REGION ?? 'us-east-1');
const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host } });
request(url, { method: 'POST', headers: signed.headers as Record<string, string> }, (response) => {
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (text += chunk));
  response.on('end', () => process.stdout.write(`${(JSON.parse(text) as { token: string }).token}\n`));
}).end();
