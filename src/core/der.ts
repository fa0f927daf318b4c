/**
 * ECDSA P-256 signatures from DER (what AWS KMS `Sign` returns: an ASN.1 `Ecdsa-Sig-Value`, RFC 3279 §2.2.3) to
 * the 64-byte `r‖s` form JWS requires (RFC 7518 §3.4). Strict: only the one DER encoding of a valid signature is
 * accepted, because a signature we cannot read exactly is one we must not put into a token. A refusal says which
 * rule was broken; a signature is not secret, but the message quotes none of it anyway.
 *
 *   Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }      0 < r, s < n (the order of the P-256 group)
 */

/** The order n of the P-256 base point (SEC 2 §2.4.2, FIPS 186-4 D.1.2.3). */
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** Bytes of one coordinate of the JOSE form. */
const SIZE = 32;

export class SignatureFormatError extends Error {
  override readonly name = 'SignatureFormatError';
}

/**
 * @param der the DER `Ecdsa-Sig-Value`.
 * @returns the 64-byte `r‖s` (each big-endian, left-padded to 32 bytes).
 * @throws SignatureFormatError naming the rule the input breaks: not a SEQUENCE, a length that is not the DER
 * one (long form, or not matching the bytes), a member that is not an INTEGER, a negative or zero value, a
 * superfluous leading zero, a value not below n, or bytes after the sequence.
 */
export function derToJose(der: Uint8Array): Buffer {
  // Two INTEGERs of at most 33 bytes (32 plus a 0x00 that keeps the high bit clear) with their tag and length
  // bytes: at most 70 bytes of content, so a valid length always has DER's short form (one byte below 0x80).
  if (der.length < 8) throw new SignatureFormatError(`DER signature is ${der.length} bytes, too short for two INTEGERs`);
  if (der[0] !== 0x30) throw new SignatureFormatError('DER signature does not start with a SEQUENCE (0x30)');
  const length = der[1] as number;
  if (length >= 0x80) throw new SignatureFormatError('DER signature uses a long-form length where DER requires the short form');
  if (length !== der.length - 2) {
    throw new SignatureFormatError(`DER signature says its SEQUENCE holds ${length} bytes, but ${der.length - 2} follow`);
  }
  const out = Buffer.alloc(SIZE * 2);
  let offset = 2;
  for (const [index, name] of ['r', 's'].entries()) {
    offset = readInteger(der, offset, name, out, index * SIZE);
  }
  if (offset !== der.length) throw new SignatureFormatError('DER signature has bytes after s');
  return out;
}

/** Read one INTEGER at `offset` into `out[at..at+32]`; returns the offset after it. */
function readInteger(der: Uint8Array, offset: number, name: string, out: Buffer, at: number): number {
  if (offset + 2 > der.length) throw new SignatureFormatError(`DER signature ends before INTEGER ${name}`);
  if (der[offset] !== 0x02) throw new SignatureFormatError(`DER signature: ${name} is not an INTEGER (tag 0x02)`);
  const length = der[offset + 1] as number;
  const start = offset + 2;
  const end = start + length;
  if (length === 0) throw new SignatureFormatError(`DER signature: INTEGER ${name} is empty`);
  if (length > SIZE + 1) throw new SignatureFormatError(`DER signature: INTEGER ${name} is ${length} bytes, longer than a P-256 value`);
  if (end > der.length) throw new SignatureFormatError(`DER signature: INTEGER ${name} runs past the end`);
  const first = der[start] as number;
  if (first & 0x80) throw new SignatureFormatError(`DER signature: INTEGER ${name} is negative`);
  if (first === 0 && length > 1 && ((der[start + 1] as number) & 0x80) === 0) {
    throw new SignatureFormatError(`DER signature: INTEGER ${name} has a superfluous leading zero`);
  }
  let value = 0n;
  for (let i = start; i < end; i++) value = (value << 8n) | BigInt(der[i] as number);
  if (value === 0n) throw new SignatureFormatError(`DER signature: ${name} is zero`);
  if (value >= P256_ORDER) throw new SignatureFormatError(`DER signature: ${name} is not below the P-256 group order`);
  // Below n, so at most 32 significant bytes: right-align them.
  const significant = first === 0 ? der.subarray(start + 1, end) : der.subarray(start, end);
  out.set(significant, at + SIZE - significant.length);
  return end;
}
