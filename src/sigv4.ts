/**
 * SigV4 with `@smithy/signature-v4`, the AWS SDK's own signer, shared by the client (signing) and the local
 * server (verifying like API Gateway). The hash is node:crypto behind the SDK's Checksum interface.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 / HMAC-SHA-256 for the signer, from node:crypto (the SDK's pure-JS one is far slower). */
export class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
  reset(): void {
    throw new Error('not supported');
  }
}

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export const SERVICE = 'execute-api';

/**
 * @param applyChecksum add `x-amz-content-sha256` when signing (clients); a verifier recomputing a client's
 * signature must not add headers the client did not sign.
 */
export function createSigner(credentials: Credentials, region: string, applyChecksum = true): SignatureV4 {
  return new SignatureV4({ credentials, region, service: SERVICE, sha256: NodeSha256, uriEscapePath: true, applyChecksum });
}
