/**
 * Turn a private key as people really paste it into a P-256 KeyObject (docs/design.md#the-secret): PEM with real or escaped
 * newlines, CRLF, newlines lost, surrounding whitespace or quotes, the base64 of the whole `.p8` file, or the bare
 * base64 DER body. Every refusal says why, and never contains any of the input.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';

export class KeyParseError extends Error {
  override readonly name = 'KeyParseError';
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * @throws KeyParseError with a reason that never contains key material.
 */
export function parsePrivateKey(input: unknown): KeyObject {
  if (typeof input !== 'string') throw new KeyParseError('privateKey must be a string');
  let text = input.trim().replace(/^["']|["']$/g, '').trim();
  if (text === '') throw new KeyParseError('privateKey is empty');
  // Escaped newlines, as they arrive from JSON pasted twice or environment files.
  text = text.replace(/\\r/g, '').replace(/\\n/g, '\n');

  let der: Buffer;
  if (text.includes('-----BEGIN')) {
    der = pemToDer(text);
  } else {
    const compact = text.replace(/\s+/g, '');
    if (!BASE64.test(compact)) {
      throw new KeyParseError('privateKey is neither PEM ("-----BEGIN PRIVATE KEY-----") nor base64');
    }
    const decoded = Buffer.from(compact, 'base64');
    const asText = decoded.toString('latin1');
    der = asText.includes('-----BEGIN') ? pemToDer(asText) : decoded;
  }
  return importPkcs8(der);
}

function pemToDer(text: string): Buffer {
  const match = PEM_BLOCK.exec(text);
  if (!match) throw new KeyParseError('PEM block is incomplete: it needs both BEGIN and END lines');
  const [, begin, body = '', end] = match;
  if (begin !== end) throw new KeyParseError('PEM BEGIN and END labels differ');
  if (begin === 'ENCRYPTED PRIVATE KEY') {
    throw new KeyParseError('key is encrypted; App Store Connect .p8 keys are not, store the key as downloaded');
  }
  if (begin === 'EC PRIVATE KEY') {
    throw new KeyParseError(
      'key is SEC1 ("EC PRIVATE KEY"), not PKCS#8; convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem',
    );
  }
  if (begin !== 'PRIVATE KEY') throw new KeyParseError(`PEM block is "${begin}", expected "PRIVATE KEY"`);
  const compact = body.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new KeyParseError('PEM body is not valid base64');
  return Buffer.from(compact, 'base64');
}

function importPkcs8(der: Buffer): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    // OpenSSL's message is dropped on purpose: we promise reasons that are ours and never echo input.
    throw new KeyParseError('not a PKCS#8 private key (the content does not decode)');
  }
  return checkP256PrivateKey(key);
}

/**
 * The key if it is a P-256 private key, the only kind an ES256 token can be signed with (node:crypto would sign with
 * any key it is handed: a P-384 or RSA key under an ES256 header).
 * @throws KeyParseError saying what it is instead.
 */
export function checkP256PrivateKey(key: KeyObject): KeyObject {
  if (key.type !== 'private') throw new KeyParseError(`key is a ${key.type} key, expected an EC P-256 private key`);
  if (key.asymmetricKeyType !== 'ec') {
    throw new KeyParseError(`key type is ${key.asymmetricKeyType ?? 'unknown'}, expected an EC P-256 key`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1') {
    throw new KeyParseError(`key curve is ${curve ?? 'unknown'}, expected P-256 (prime256v1)`);
  }
  return key;
}
