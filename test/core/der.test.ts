/**
 * DER → JOSE for ECDSA P-256 signatures (src/core/der.ts): what KMS returns, checked against node:crypto's own
 * encodings of real signatures, and every malformed shape refused with the rule it breaks.
 */
import assert from 'node:assert/strict';
import { sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { P256_ORDER, SignatureFormatError, derToJose } from '../../src/core/der.ts';
import { derSignature, joseParts } from '../helpers/der.ts';
import { generateP256 } from '../helpers/keys.ts';

const key = generateP256();
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const der = derSignature;
const refusal = (input: Buffer, reason: RegExp) =>
  assert.throws(
    () => derToJose(input),
    (error: unknown) => error instanceof SignatureFormatError && reason.test(error.message),
    `${input.toString('hex')} should be refused with ${reason}`,
  );

describe('derToJose: edges', () => {
  it('a length byte of exactly 0x80 is long form; a sequence that ends where s would begin; the error\'s name', () => {
    refusal(Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]), /long-form length/);
    refusal(Buffer.from([0x30, 0x08, 0x02, 0x06, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01]), /ends before INTEGER s/);
    assert.throws(() => derToJose(Buffer.alloc(2)), (error: unknown) => error instanceof SignatureFormatError && error.name === 'SignatureFormatError');
  });
});

describe('derToJose', () => {
  it('turns real signatures into the r‖s node:crypto makes, which verify', () => {
    for (let i = 0; i < 200; i++) {
      const message = Buffer.from(`message ${i}`);
      const derSignatureBytes = sign('sha256', message, { key: key.privateKey, dsaEncoding: 'der' });
      const jose = derToJose(derSignatureBytes);
      assert.equal(jose.length, 64);
      assert.ok(verify('sha256', message, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, jose));
      // Back to DER with the independent encoder above: the same bytes KMS (here node:crypto) produced.
      assert.deepEqual(der(...joseParts(jose)), derSignatureBytes);
    }
  });

  it('pads short values, strips the sign byte, and accepts the extremes 1 and n − 1', () => {
    const cases: Array<[bigint, bigint]> = [
      [1n, 1n],
      [P256_ORDER - 1n, P256_ORDER - 1n],
      [0x7fn, 0x80n],
      [2n ** 255n, 2n ** 248n - 1n],
      [0xffn << 240n, 1n],
    ];
    for (const [r, s] of cases) {
      const jose = derToJose(der(r, s));
      assert.equal(jose.subarray(0, 32).toString('hex'), r.toString(16).padStart(64, '0'));
      assert.equal(jose.subarray(32).toString('hex'), s.toString(16).padStart(64, '0'));
    }
  });

  it('refuses what is not the one DER encoding of a valid signature, naming the rule', () => {
    const good = der(5n, 7n); // 30 06 02 01 05 02 01 07
    assert.equal(good.toString('hex'), '3006020105020107');
    refusal(Buffer.alloc(0), /0 bytes, too short/);
    refusal(hex('30050201050201'), /7 bytes, too short/);
    refusal(hex('3106020105020107'), /does not start with a SEQUENCE/);
    refusal(hex('308106020105020107'), /long-form length/);
    refusal(hex('3007020105020107'), /SEQUENCE holds 7 bytes, but 6 follow/);
    refusal(hex('300602010502010700'), /SEQUENCE holds 6 bytes, but 7 follow/);
    refusal(hex('3008020105020107 0000'), /bytes after s/);
    refusal(hex('3006030105020107'), /r is not an INTEGER/);
    refusal(hex('3006020105040107'), /s is not an INTEGER/);
    refusal(hex('3006020005020207'), /INTEGER r is empty/);
    refusal(hex('300702010502000000'), /INTEGER s is empty/);
    refusal(hex('3006020185020107'), /INTEGER r is negative/);
    refusal(hex('3006020105020187'), /INTEGER s is negative/);
    refusal(hex('300702020005020107'), /INTEGER r has a superfluous leading zero/);
    refusal(hex('300702010502020007'), /INTEGER s has a superfluous leading zero/);
    refusal(hex('3006020100020107'), /r is zero/);
    refusal(hex('3006020105020100'), /s is zero/);
    refusal(der(P256_ORDER, 1n), /r is not below the P-256 group order/);
    refusal(der(1n, P256_ORDER + 5n), /s is not below the P-256 group order/);
    refusal(der(1n, 2n ** 256n), /s is not below the P-256 group order/);
    refusal(Buffer.concat([hex('3027 0222'), Buffer.alloc(34, 1), hex('020101')]), /INTEGER r is 34 bytes/);
    refusal(hex('3006020905020107'), /INTEGER r runs past the end/);
    refusal(hex('30060201050201'), /too short/);
    refusal(hex('3008020105020107 0201'.replace(/\s/g, '')), /bytes after s/);
    refusal(hex('300702040080000502'), /ends before INTEGER s/);
  });

  it('a zero followed by a high byte is the sign byte, not a superfluous zero', () => {
    const value = 0x80n << 248n;
    const jose = derToJose(der(value, 1n));
    assert.equal(jose[0], 0x80);
  });
});
