/**
 * The floor of the cold start (docs/design.md#quality-bars: ≤ 1.1 × this): a bundle, built as the Lambda bundle is,
 * that only makes the same `GetSecretValue` call with the same SDK client and signs one ES256 token with the key —
 * no policy, no event, no audit record, no response. Prints `@@ok <import ms> <first token ms>`.
 */
const started = performance.now();
const [{ GetSecretValueCommand, SecretsManagerClient }, { createPrivateKey, sign }] = await Promise.all([import('@aws-sdk/client-secrets-manager'), import('node:crypto')]);
const imported = performance.now();
const answer = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.BENCH_SECRET_ID as string }));
const secret = JSON.parse(answer.SecretString as string) as { keyId: string; issuerId: string; privateKey: string };
const key = createPrivateKey(secret.privateKey);
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = `${encode({ alg: 'ES256', kid: secret.keyId, typ: 'JWT' })}.${encode({ iss: secret.issuerId, iat: now, exp: now + 600, aud: 'appstoreconnect-v1' })}`;
const token = `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
const first = performance.now();
process.stdout.write(`@@ok ${(imported - started).toFixed(2)} ${(first - imported).toFixed(2)} ${token.length}\n`);
process.exit(0);
