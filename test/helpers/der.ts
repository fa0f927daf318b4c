/** The canonical DER `Ecdsa-Sig-Value` of (r, s), written independently of src/core/der.ts. */
function integer(value: bigint): Buffer {
  let text = value.toString(16);
  if (text.length % 2) text = `0${text}`;
  const bytes = Buffer.from(text, 'hex');
  return (bytes[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

export function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([Buffer.from([0x02, integer(r).length]), integer(r), Buffer.from([0x02, integer(s).length]), integer(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** r and s of a 64-byte JOSE signature. */
export function joseParts(jose: Uint8Array): [bigint, bigint] {
  const hex = Buffer.from(jose).toString('hex');
  return [BigInt(`0x${hex.slice(0, 64)}`), BigInt(`0x${hex.slice(64)}`)];
}
