/**
 * Probe, for comparison only (the service does not work this way): the narrowest GetSecretValue there is — one
 * SigV4-signed (@smithy/signature-v4) JSON 1.1 POST over node:http(s), no SDK client, no retries, no endpoint
 * rules, no error model — and the same key parsing. Prints `@@ok <import ms> <first fetch ms>`.
 */
const started = performance.now();
const [{ SignatureV4 }, { NodeSha256 }, { parseSecret }, http, https] = await Promise.all([
  import('@smithy/signature-v4'),
  import('../../src/sigv4.ts'),
  import('../../src/core/secret.ts'),
  import('node:http'),
  import('node:https'),
]);
const imported = performance.now();
const endpoint = new URL(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER as string);
const signer = new SignatureV4({
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID as string, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY as string },
  region: process.env.AWS_REGION as string,
  service: 'secretsmanager',
  sha256: NodeSha256,
});
async function getSecretValue(secretId: string): Promise<{ SecretString?: string }> {
  const body = JSON.stringify({ SecretId: secretId, VersionStage: 'AWSCURRENT' });
  const request = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path: '/',
    query: {},
    headers: { host: endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body,
  });
  return new Promise((resolve, reject) => {
    const req = (endpoint.protocol === 'https:' ? https : http).request({ method: 'POST', hostname: endpoint.hostname, port: endpoint.port, path: '/', headers: request.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
parseSecret('main', (await getSecretValue(process.env.BENCH_SECRET_ID as string)).SecretString);
const first = performance.now();
process.stdout.write(`@@ok ${(imported - started).toFixed(2)} ${(first - imported).toFixed(2)}\n`);
process.exit(0);
