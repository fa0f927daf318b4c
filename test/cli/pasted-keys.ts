/**
 * Finding #12.1's matrix, shared by the CLI's tests in process (key-echo.test.ts) and as built
 * (key-echo.dist.test.ts): the shapes people paste a key in, and every argument position it can land in.
 */
import type { TestKey } from '../helpers/keys.ts';

export const ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';

/** The shapes a key is pasted in. */
export function shapesOf(key: TestKey): Record<string, string> {
  const body = key.pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const lines = key.pem.trim().split('\n');
  return {
    'PEM': key.pem,
    'PEM, escaped newlines': key.pem.replace(/\n/g, '\\n'),
    'PEM, newlines lost': key.pem.replace(/\n/g, ''),
    'base64 of the .p8 file': Buffer.from(key.pem).toString('base64'),
    'bare base64 body': body,
    'first body line': lines[1] ?? '',
    'DER as hex': key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex'),
    'JWK d (the bare private scalar, 43 base64url characters)': key.privateKey.export({ format: 'jwk' }).d as string,
  };
}

/** Every place an argument can go, with X standing for the pasted key; `closed()`: a URL where nothing listens. */
export function positions(closed: () => string): Array<[string, (x: string) => string[]]> {
  return [
    ['mint --p8 X', (x) => ['mint', '--p8', x, '--issuer-id', ISSUER]],
    ['mint --p8=X', (x) => ['mint', `--p8=${x}`, '--issuer-id', ISSUER]],
    ['mint --key-id X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--key-id', x, '--issuer-id', ISSUER]],
    ['mint --issuer-id X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', x]],
    ['mint X (positional)', (x) => ['mint', x]],
    ['mint --X (as an option)', (x) => ['mint', `--${x}`]],
    ['mint --scope X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--scope', x]],
    ['mint --api X', (x) => ['mint', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--api', x]],
    ['keys import --p8 X', (x) => ['keys', 'import', '--secret-id', 'asc/main', '--p8', x, '--issuer-id', ISSUER]],
    ['keys import --secret-id X', (x) => ['keys', 'import', '--secret-id', x, '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER]],
    ['keys show --secret-id X', (x) => ['keys', 'show', '--secret-id', x]],
    ['keys import --kms-key-id K --p8 X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', '--p8', x, '--issuer-id', ISSUER]],
    ['keys import --kms-key-id K --p8=X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', `--p8=${x}`, '--issuer-id', ISSUER]],
    ['keys import --kms-key-id X', (x) => ['keys', 'import', '--kms-key-id', x, '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER]],
    ['keys import --kms-key-id K --valid-to X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', '--p8', 'AuthKey_ABCDE12345.p8', '--issuer-id', ISSUER, '--valid-to', x]],
    ['keys import --kms-key-id K --key-id X', (x) => ['keys', 'import', '--kms-key-id', 'alias/asc/main', '--p8', 'AuthKey_ABCDE12345.p8', '--key-id', x, '--individual']],
    ['keys verify --kms-key-id X', (x) => ['keys', 'verify', '--kms-key-id', x]],
    ['keys verify --kms-key-id K --apple-url X', (x) => ['keys', 'verify', '--kms-key-id', 'alias/asc/main', '--apple-url', x]],
    ['keys show --kms-key-id X', (x) => ['keys', 'show', '--kms-key-id', x]],
    ['keys X', (x) => ['keys', x]],
    ['X (as the command)', (x) => [x]],
    ['token X (as the profile)', (x) => ['token', x, '--url', closed()]],
    ['token --url X', (x) => ['token', 'release', '--url', x]],
    ['policy check X', (x) => ['policy', 'check', x]],
  ];
}
