// The floor under `asc-token token` (docs/design.md#quality-bars): a fresh node that sends one unsigned POST to the
// same server over node:http and prints the answer, nothing else. The server refuses it (no signature): the floor
// is the process, node's HTTP client and one round trip, not the service's work. node:http is loaded with
// `require`, as the package's bundles load built-ins: on Node 22 and 24 an ES `import` of it reads a getter that
// loads undici (~20–35 ms), which would make the floor no floor there. Usage: node unsigned-post.mjs URL
import { createRequire } from 'node:module';

const { request } = createRequire(import.meta.url)('node:http');
request(process.argv[2], { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk) => (text += chunk));
  response.on('end', () => process.stdout.write(`${response.statusCode} ${text}\n`));
}).end('{}');
