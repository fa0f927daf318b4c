/**
 * Property-based tests of the DER → JOSE conversion (src/core/der.ts): any byte string is either refused with a
 * SignatureFormatError or is exactly the canonical DER of the (r, s) it converts to, with 0 < r, s < n; and every
 * canonical encoding of a valid (r, s), as well as small corruptions of one, behaves so. FUZZ_RUNS sets the number
 * of cases (npm run fuzz and npm run test:all run 10,000).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { P256_ORDER, SignatureFormatError, derToJose } from '../../src/core/der.ts';
import { derSignature, joseParts } from '../helpers/der.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const scalar = fc.bigInt({ min: 1n, max: P256_ORDER - 1n });
const anyValue = fc.oneof(scalar, fc.bigInt({ min: 0n, max: 2n ** 264n }), fc.constantFrom(0n, 1n, P256_ORDER - 1n, P256_ORDER, 2n ** 255n, 2n ** 256n - 1n));

/** Refused with our error, or accepted as exactly the canonical DER of a valid (r, s). */
function checkOne(input: Uint8Array): void {
  let jose: Buffer;
  try {
    jose = derToJose(input);
  } catch (error) {
    assert.ok(error instanceof SignatureFormatError, `not a SignatureFormatError: ${String(error)}`);
    assert.doesNotMatch(error.message, /undefined|NaN/);
    return;
  }
  assert.equal(jose.length, 64);
  const [r, s] = joseParts(jose);
  assert.ok(r > 0n && r < P256_ORDER && s > 0n && s < P256_ORDER);
  assert.deepEqual(derSignature(r, s), Buffer.from(input), 'accepted a non-canonical encoding');
}

describe('derToJose, fuzzed', () => {
  it('converts every valid (r, s) from its canonical DER, exactly', () => {
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        assert.deepEqual(joseParts(derToJose(derSignature(r, s))), [r, s]);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes: refused, or the canonical DER of a valid signature', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), checkOne), { numRuns: RUNS });
  });

  it('encodings of any integers, and one-byte corruptions of them: refused, or canonical and valid', () => {
    const corrupted = fc.tuple(anyValue, anyValue, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'drop', 'insert', 'none')).map(([r, s, position, byte, how]) => {
      const bytes = [...derSignature(r, s)];
      const at = position % (bytes.length + 1);
      if (how === 'set' && at < bytes.length) bytes[at] = byte;
      if (how === 'drop') bytes.splice(at, 1);
      if (how === 'insert') bytes.splice(at, 0, byte);
      return Uint8Array.from(bytes);
    });
    fc.assert(fc.property(corrupted, checkOne), { numRuns: RUNS * 3 });
  });
});
