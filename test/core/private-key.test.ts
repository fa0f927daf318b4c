import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { KeyParseError, parsePrivateKey } from '../../src/core/private-key.ts';
import { parseSecret } from '../../src/core/secret.ts';
import { TokenVendingError } from '../../src/core/errors.ts';
import { assertNoMaterial, generateP256 } from '../helpers/keys.ts';

const key = generateP256();
const body = key.pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
const sameKey = (parsed: ReturnType<typeof parsePrivateKey>) =>
  assert.ok(parsed.equals(key.privateKey), 'parsed key differs from the generated one');

describe('parsePrivateKey accepts keys as people paste them', () => {
  const shapes: Record<string, string> = {
    'PEM as downloaded': key.pem,
    'escaped newlines (\\n)': key.pem.replace(/\n/g, '\\n'),
    'CRLF line endings': key.pem.replace(/\n/g, '\r\n'),
    'escaped CRLF (\\r\\n)': key.pem.replace(/\n/g, '\\r\\n'),
    'newlines lost': key.pem.replace(/\n/g, ''),
    'newlines replaced by spaces': key.pem.replace(/\n/g, ' '),
    'surrounding whitespace': `\n\n   ${key.pem}   \t\n`,
    'surrounding quotes': `"${key.pem}"`,
    'base64 of the whole .p8 file': Buffer.from(key.pem).toString('base64'),
    'base64 of the .p8 file, wrapped at 76': Buffer.from(key.pem).toString('base64').replace(/(.{76})/g, '$1\n'),
    'bare base64 DER body': body,
  };
  for (const [name, text] of Object.entries(shapes)) {
    it(name, () => sameKey(parsePrivateKey(text)));
  }
});

describe('parsePrivateKey refuses what is not a P-256 PKCS#8 key, without echoing it', () => {
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const sec1 = key.privateKey.export({ format: 'pem', type: 'sec1' }).toString();
  const encrypted = key.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }).toString();
  const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const cases: Array<[string, unknown, RegExp]> = [
    ['not a string', 42, /must be a string/],
    ['empty', '  ', /empty/],
    ['P-384', p384, /curve is secp384r1/],
    ['RSA', rsa, /key type is rsa/],
    ['Ed25519', ed, /key type is ed25519/],
    ['SEC1 EC PRIVATE KEY', sec1, /SEC1.*openssl pkcs8/],
    ['encrypted PKCS#8', encrypted, /encrypted/],
    ['a public key', publicPem, /"PUBLIC KEY", expected "PRIVATE KEY"/],
    ['truncated PEM', key.pem.slice(0, 100), /incomplete/],
    ['PEM with a corrupted body', key.pem.replace('KEY-----\n', 'KEY-----\n!'), /not valid base64/],
    ['PEM with bytes cut out', key.pem.replace(body.slice(20, 40), ''), /not a PKCS#8 private key/],
    ['random text', 'hello world, this is not a key', /neither PEM.*nor base64/],
    ['base64 of random bytes', Buffer.from('0123456789abcdef0123456789').toString('base64'), /not a PKCS#8 private key/],
  ];
  for (const [name, input, reason] of cases) {
    it(name, () => {
      assert.throws(
        () => parsePrivateKey(input),
        (error: unknown) => {
          assert.ok(error instanceof KeyParseError);
          assert.match(error.message, reason);
          assertNoMaterial(error.message, key);
          if (typeof input === 'string') assert.ok(!error.message.includes(input.slice(30, 60)) || input.length < 60);
          return true;
        },
      );
    });
  }
});

describe('parseSecret', () => {
  const refuse = (value: unknown, reason: RegExp) =>
    assert.throws(
      () => parseSecret('main', value),
      (error: unknown) => {
        assert.ok(error instanceof TokenVendingError);
        assert.equal(error.code, 'key_invalid');
        assert.match(error.detail, /^Key "main" is not usable: /);
        assert.match(error.detail, reason);
        assertNoMaterial(error.detail, key);
        assertNoMaterial(error.message, key);
        return true;
      },
    );

  it('reads a team key and an individual key', () => {
    const team = parseSecret('main', JSON.stringify({ keyId: '2X9R4HXF34', issuerId: '57246542-96fe-1a63-e053-0824d011072a', privateKey: key.pem }));
    assert.equal(team.keyId, '2X9R4HXF34');
    assert.equal(team.issuerId, '57246542-96fe-1a63-e053-0824d011072a');
    const individual = parseSecret('main', JSON.stringify({ keyId: '2X9R4HXF34', privateKey: key.pem.replace(/\n/g, '\\n') }));
    assert.equal(individual.issuerId, undefined);
  });

  it('accepts issuer IDs that are UUID-shaped but not RFC 4122-valid', () => {
    assert.equal(parseSecret('main', JSON.stringify({ keyId: '2X9R4HXF34', issuerId: '57246542-96fe-1a63-e053-0824d011072a', privateKey: key.pem })).issuerId, '57246542-96fe-1a63-e053-0824d011072a');
    assert.ok(parseSecret('main', JSON.stringify({ keyId: '2X9R4HXF34', issuerId: 'ffffffff-ffff-ffff-ffff-ffffffffffff', privateKey: key.pem })));
  });

  it('refuses every bad shape with key_invalid naming the key and the reason', () => {
    refuse(undefined, /no SecretString/);
    refuse('not json', /not JSON/);
    refuse('[1,2]', /not a JSON object/);
    refuse(JSON.stringify({ issuerId: '57246542-96fe-1a63-e053-0824d011072a', privateKey: key.pem }), /keyId/);
    refuse(JSON.stringify({ keyId: 'short', privateKey: key.pem }), /keyId/);
    refuse(JSON.stringify({ keyId: '2X9R4HXF34', issuerId: 'not-a-uuid', privateKey: key.pem }), /issuerId/);
    refuse(JSON.stringify({ keyId: '2X9R4HXF34', issuerId: 42, privateKey: key.pem }), /issuerId/);
    refuse(JSON.stringify({ keyId: '2X9R4HXF34' }), /privateKey must be a string/);
    refuse(JSON.stringify({ keyId: '2X9R4HXF34', privateKey: key.pem.slice(0, -40) }), /incomplete/);
  });
});
