/**
 * An AWS KMS endpoint on loopback speaking the real wire protocol (AWS JSON 1.1, `X-Amz-Target: TrentService.*`,
 * base64 blobs, errors as `{"__type", "message"}`: test/helpers/fake-aws-json.ts), so the real `@aws-sdk/client-kms` — its serialisation, retries,
 * timeouts and error parsing — is what the tests exercise. It does what KMS does with imported keys, for real:
 * generates an RSA wrapping key per wrapping spec, unwraps imported material with it (RSAES-OAEP, or RSA + AES key
 * wrap with padding), keeps it only inside, and signs digests with it, answering DER signatures as KMS does.
 * Aliases, tags and key states (PendingImport, Enabled, Disabled, PendingDeletion) behave as KMS documents them.
 * Faults are injected per call (optionally for one operation): throttling, 5xx, hang, delay, refused connections,
 * garbage, access denied, and for Sign a malformed DER or a signature by another key.
 *
 * Signing a precomputed digest (`MessageType: DIGEST`) is not something node:crypto offers (it always hashes), so
 * the fake signs with @noble/curves (audited, a dev dependency only); every test checks its signatures with
 * node:crypto.
 */
import { createDecipheriv, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, hash, privateDecrypt, randomBytes, randomUUID, constants, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { p256 } from '@noble/curves/nist.js';
import { AwsJsonError, FakeAwsJsonService, type AwsJsonFault } from './fake-aws-json.ts';

export type KmsFault =
  | AwsJsonFault
  /** Sign answers bytes that are not a valid DER signature (here: the sequence length in BER's long form). */
  | { kind: 'malformedSignature'; operation?: 'Sign' }
  /** Sign answers a well-formed signature by another key. */
  | { kind: 'foreignSignature'; operation?: 'Sign' };

export type KeyState = 'Enabled' | 'Disabled' | 'PendingImport' | 'PendingDeletion';

export interface FakeKey {
  id: string;
  arn: string;
  keySpec: string;
  keyUsage: string;
  origin: 'EXTERNAL' | 'AWS_KMS';
  state: KeyState;
  description: string;
  created: number;
  /** The key material: only ever inside the fake. */
  material?: KeyObject;
  expirationModel?: string;
  validTo?: number;
  tags: Map<string, string>;
  /** A multi-Region key: the primary's ARN and every related key (primary and replicas, one per region's fake). */
  multiRegion?: { primaryArn: string; related: FakeKey[] };
}

interface ImportParameters {
  keyId: string;
  algorithm: string;
  wrappingKey: KeyObject;
  validTo: number;
}

const ACCOUNT = '111122223333';
const WRAPPING_BITS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
const generateRsa = promisify(generateKeyPair);

export class FakeKms extends FakeAwsJsonService<KmsFault> {
  readonly keys = new Map<string, FakeKey>();
  readonly aliases = new Map<string, string>();
  readonly #imports = new Map<string, ImportParameters>();
  readonly #wrappingKeys = new Map<string, Promise<KeyObject>>();

  constructor(region = 'us-east-1') {
    super({
      targetPrefix: 'TrentService',
      throttled: new AwsJsonError('ThrottlingException', 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.'),
      internal: (message) => new AwsJsonError('KMSInternalException', message, 500),
      accessDenied: (operation) => new AwsJsonError('AccessDeniedException', `User: arn:aws:sts::${ACCOUNT}:assumed-role/x/y is not authorized to perform: kms:${operation}`),
    }, region);
  }

  override count(target = 'Sign'): number {
    return super.count(target);
  }

  /** Signature faults concern Sign only, whatever `operation` says. */
  protected override faultOperation(fault: KmsFault): string | undefined {
    return fault.kind === 'malformedSignature' || fault.kind === 'foreignSignature' ? 'Sign' : fault.operation;
  }

  /** A new key, as `CreateKey` makes it (an EXTERNAL key waits for its material: PendingImport). */
  createKey(options: { keySpec?: string; keyUsage?: string; origin?: 'EXTERNAL' | 'AWS_KMS'; alias?: string; description?: string; multiRegion?: boolean } = {}): FakeKey {
    // A multi-Region key's ID is `mrk-` and 32 hex digits, the same in every region.
    const id = options.multiRegion ? `mrk-${randomBytes(16).toString('hex')}` : randomUUID();
    const key: FakeKey = {
      id,
      arn: `arn:aws:kms:${this.region}:${ACCOUNT}:key/${id}`,
      keySpec: options.keySpec ?? 'ECC_NIST_P256',
      keyUsage: options.keyUsage ?? 'SIGN_VERIFY',
      origin: options.origin ?? 'EXTERNAL',
      state: options.origin === 'AWS_KMS' ? 'Enabled' : 'PendingImport',
      description: options.description ?? '',
      created: Date.now(),
      tags: new Map(),
    };
    if (key.origin === 'AWS_KMS' && key.keySpec === 'ECC_NIST_P256') key.material = newP256Key();
    if (options.multiRegion) key.multiRegion = { primaryArn: key.arn, related: [key] };
    this.keys.set(id, key);
    if (options.alias) this.aliases.set(options.alias, id);
    return key;
  }

  /**
   * A replica of a multi-Region primary in this fake's region, as `ReplicateKey` (or infra/kms-replica-key.yml's
   * AWS::KMS::ReplicaKey) makes it: the same key ID, spec, usage and origin; its own ARN, tags, aliases and state.
   * KMS copies no imported material: an EXTERNAL replica waits for the same material (PendingImport).
   */
  replicaOf(primary: FakeKey, options: { alias?: string } = {}): FakeKey {
    if (!primary.multiRegion) throw new Error(`${primary.arn} is not a multi-Region key`);
    const key: FakeKey = {
      ...primary,
      arn: `arn:aws:kms:${this.region}:${ACCOUNT}:key/${primary.id}`,
      state: primary.origin === 'EXTERNAL' ? 'PendingImport' : primary.state,
      created: Date.now(),
      tags: new Map(),
      multiRegion: primary.multiRegion,
    };
    delete key.material;
    delete key.expirationModel;
    delete key.validTo;
    if (primary.origin !== 'EXTERNAL') key.material = primary.material;
    primary.multiRegion.related.push(key);
    this.keys.set(key.id, key);
    if (options.alias) this.aliases.set(options.alias, key.id);
    return key;
  }

  /** Test shortcut: a key with this material already imported (what `asc-token keys import` does over the wire). */
  importDirectly(key: FakeKey, material: KeyObject, tags: Record<string, string> = {}): FakeKey {
    key.material = material;
    key.state = 'Enabled';
    key.expirationModel = 'KEY_MATERIAL_DOES_NOT_EXPIRE';
    for (const [k, v] of Object.entries(tags)) key.tags.set(k, v);
    return key;
  }

  /** Resolve a key ID, key ARN, alias name or alias ARN as KMS does. */
  find(keyId: unknown, options: { aliases?: boolean } = {}): FakeKey {
    if (typeof keyId !== 'string' || keyId === '') throw new AwsJsonError('ValidationException', '1 validation error detected: Value null at \'keyId\' failed to satisfy constraint: Member must not be null');
    const aliasName = keyId.startsWith('alias/') ? keyId : /^arn:aws:kms:[^:]+:\d{12}:(alias\/.+)$/.exec(keyId)?.[1];
    if (aliasName !== undefined) {
      if (options.aliases === false) throw new AwsJsonError('NotFoundException', `Invalid keyId '${keyId}'`);
      const target = this.aliases.get(aliasName);
      const key = target === undefined ? undefined : this.keys.get(target);
      if (!key) throw new AwsJsonError('NotFoundException', `Alias arn:aws:kms:${this.region}:${ACCOUNT}:${aliasName} is not found.`);
      return key;
    }
    const id = /^arn:aws:kms:[^:]+:\d{12}:key\/(.+)$/.exec(keyId)?.[1] ?? keyId;
    const key = this.keys.get(id);
    if (!key) throw new AwsJsonError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  #wrappingKey(spec: string): Promise<KeyObject> {
    let key = this.#wrappingKeys.get(spec);
    if (key === undefined) {
      key = generateRsa('rsa', { modulusLength: WRAPPING_BITS[spec] as number }).then((pair) => pair.privateKey);
      this.#wrappingKeys.set(spec, key);
    }
    return key;
  }

  protected async operation(target: string, body: Record<string, any>, fault: KmsFault | undefined): Promise<unknown> {
    switch (target) {
      case 'CreateKey': {
        const key = this.createKey({ keySpec: body.KeySpec, keyUsage: body.KeyUsage, origin: body.Origin, description: body.Description });
        for (const tag of body.Tags ?? []) key.tags.set(tag.TagKey, tag.TagValue);
        return { KeyMetadata: metadata(key) };
      }
      case 'DescribeKey':
        return { KeyMetadata: metadata(this.find(body.KeyId)) };
      case 'GetPublicKey': {
        const key = this.find(body.KeyId);
        usable(key);
        return { KeyId: key.arn, PublicKey: publicDer(key).toString('base64'), KeySpec: key.keySpec, CustomerMasterKeySpec: key.keySpec, KeyUsage: key.keyUsage, SigningAlgorithms: signingAlgorithms(key) };
      }
      case 'ListResourceTags': {
        const key = this.find(body.KeyId, { aliases: false });
        return { Tags: [...key.tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })), Truncated: false };
      }
      case 'TagResource': {
        const key = this.find(body.KeyId, { aliases: false });
        for (const tag of body.Tags ?? []) key.tags.set(tag.TagKey, tag.TagValue);
        return {};
      }
      case 'UntagResource': {
        const key = this.find(body.KeyId, { aliases: false });
        for (const name of body.TagKeys ?? []) key.tags.delete(name);
        return {};
      }
      case 'CreateAlias':
      case 'UpdateAlias': {
        const key = this.find(body.TargetKeyId, { aliases: false });
        if (target === 'CreateAlias' && this.aliases.has(body.AliasName)) throw new AwsJsonError('AlreadyExistsException', `An alias with the name ${body.AliasName} already exists`);
        if (target === 'UpdateAlias' && !this.aliases.has(body.AliasName)) throw new AwsJsonError('NotFoundException', `Alias ${body.AliasName} is not found.`);
        this.aliases.set(body.AliasName, key.id);
        return {};
      }
      case 'ListAliases': {
        const key = body.KeyId === undefined ? undefined : this.find(body.KeyId);
        const aliases = [...this.aliases].filter(([, id]) => key === undefined || id === key.id);
        return { Aliases: aliases.map(([name, id]) => ({ AliasName: name, AliasArn: `arn:aws:kms:${this.region}:${ACCOUNT}:${name}`, TargetKeyId: id })), Truncated: false };
      }
      case 'EnableKey':
      case 'DisableKey': {
        const key = this.find(body.KeyId, { aliases: false });
        if (key.state === 'PendingImport' || key.state === 'PendingDeletion') throw new AwsJsonError('KMSInvalidStateException', `${key.arn} is ${key.state}`);
        key.state = target === 'EnableKey' ? 'Enabled' : 'Disabled';
        return {};
      }
      case 'GetParametersForImport': {
        const key = this.find(body.KeyId, { aliases: false });
        if (key.origin !== 'EXTERNAL') throw new AwsJsonError('UnsupportedOperationException', `${key.arn} origin is ${key.origin} which is not valid for this operation.`);
        if (key.state === 'PendingDeletion') throw new AwsJsonError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
        if (!['RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1'].includes(body.WrappingAlgorithm)) {
          throw new AwsJsonError('ValidationException', `Value '${body.WrappingAlgorithm}' at 'wrappingAlgorithm' failed to satisfy constraint`);
        }
        if (WRAPPING_BITS[body.WrappingKeySpec] === undefined) throw new AwsJsonError('ValidationException', `Value '${body.WrappingKeySpec}' at 'wrappingKeySpec' failed to satisfy constraint`);
        const wrappingKey = await this.#wrappingKey(body.WrappingKeySpec);
        const token = randomBytes(64).toString('base64');
        const validTo = Date.now() + 24 * 3600 * 1000;
        this.#imports.set(token, { keyId: key.id, algorithm: body.WrappingAlgorithm, wrappingKey, validTo });
        return { KeyId: key.arn, ImportToken: token, PublicKey: createPublicKey(wrappingKey).export({ format: 'der', type: 'spki' }).toString('base64'), ParametersValidTo: validTo / 1000 };
      }
      case 'ImportKeyMaterial':
        return this.#importKeyMaterial(body);
      case 'Sign':
        return this.#sign(body, fault);
      default:
        throw new AwsJsonError('UnknownOperationException', target);
    }
  }

  #importKeyMaterial(body: Record<string, any>): unknown {
    const key = this.find(body.KeyId, { aliases: false });
    const parameters = this.#imports.get(body.ImportToken);
    if (!parameters || parameters.keyId !== key.id) throw new AwsJsonError('InvalidImportTokenException', 'The import token is not valid for this KMS key.');
    if (parameters.validTo < Date.now()) throw new AwsJsonError('ExpiredImportTokenException', 'The import token has expired.');
    const model = body.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES';
    if (model === 'KEY_MATERIAL_EXPIRES') {
      if (body.ValidTo === undefined) throw new AwsJsonError('ValidationException', 'ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES.');
      if (body.ValidTo * 1000 <= Date.now() || body.ValidTo * 1000 > Date.now() + 365 * 24 * 3600 * 1000) throw new AwsJsonError('ValidationException', 'ValidTo must be in the future and at most 365 days away.');
    } else if (model !== 'KEY_MATERIAL_DOES_NOT_EXPIRE' || body.ValidTo !== undefined) {
      throw new AwsJsonError('ValidationException', 'ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.');
    }
    let material: KeyObject;
    try {
      material = createPrivateKey({ key: unwrap(parameters, Buffer.from(body.EncryptedKeyMaterial, 'base64')), format: 'der', type: 'pkcs8' });
    } catch {
      throw new AwsJsonError('InvalidCiphertextException', 'The encrypted key material could not be decrypted with the wrapping key and algorithm of this import token.');
    }
    if (material.asymmetricKeyType !== 'ec' || material.asymmetricKeyDetails?.namedCurve !== 'prime256v1' || key.keySpec !== 'ECC_NIST_P256') {
      throw new AwsJsonError('IncorrectKeyMaterialException', `The key material does not match the key spec ${key.keySpec} of ${key.arn}.`);
    }
    if (key.material && !publicDer(key).equals(createPublicKey(material).export({ format: 'der', type: 'spki' }))) {
      throw new AwsJsonError('IncorrectKeyMaterialException', `The key material is not the material previously imported into ${key.arn}.`);
    }
    // Related multi-Region keys must hold the same material: KMS refuses other material for any of them.
    const sibling = key.multiRegion?.related.find((other) => other !== key && other.material);
    if (sibling && !publicDer(sibling).equals(createPublicKey(material).export({ format: 'der', type: 'spki' }))) {
      throw new AwsJsonError('IncorrectKeyMaterialException', `The key material is not the material of the related multi-Region key ${sibling.arn}.`);
    }
    this.#imports.delete(body.ImportToken);
    key.material = material;
    key.expirationModel = model;
    key.validTo = model === 'KEY_MATERIAL_EXPIRES' ? body.ValidTo : undefined;
    if (key.state === 'PendingImport') key.state = 'Enabled';
    return { KeyId: key.arn, KeyMaterialId: hash('sha256', publicDer(key), 'hex') };
  }

  #sign(body: Record<string, any>, fault: KmsFault | undefined): unknown {
    const key = this.find(body.KeyId);
    usable(key);
    if (key.keyUsage !== 'SIGN_VERIFY') throw new AwsJsonError('InvalidKeyUsageException', `${key.arn} key usage is ${key.keyUsage} which is not valid for Sign.`);
    if (body.SigningAlgorithm !== 'ECDSA_SHA_256' || key.keySpec !== 'ECC_NIST_P256') throw new AwsJsonError('InvalidKeyUsageException', `Algorithm ${body.SigningAlgorithm} is incompatible with key spec ${key.keySpec}.`);
    const message = Buffer.from(body.Message ?? '', 'base64');
    let digest: Buffer;
    if (body.MessageType === 'DIGEST') {
      if (message.length !== 32) throw new AwsJsonError('ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
      digest = message;
    } else {
      if (message.length > 4096) throw new AwsJsonError('ValidationException', "Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
      digest = hash('sha256', message, 'buffer') as unknown as Buffer;
    }
    const signer = fault?.kind === 'foreignSignature' ? newP256Key() : (key.material as KeyObject);
    const d = privateScalar(signer);
    let signature = Buffer.from(p256.sign(digest, d, { prehash: false, format: 'der', lowS: false }));
    if (fault?.kind === 'malformedSignature') {
      // The SEQUENCE length in long form: BER a lenient reader accepts, but not DER.
      signature = Buffer.concat([Buffer.from([0x30, 0x81]), signature.subarray(1)]);
    }
    return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' };
  }
}

function usable(key: FakeKey): void {
  if (key.state === 'Disabled') throw new AwsJsonError('DisabledException', `${key.arn} is disabled.`);
  if (key.state !== 'Enabled' || !key.material) throw new AwsJsonError('KMSInvalidStateException', `${key.arn} is ${key.state === 'Enabled' ? 'missing its key material' : key.state}.`);
}

const scalars = new WeakMap<KeyObject, Buffer>();
/** The private scalar noble signs with, exported once per key (not on every Sign: a load test signs hundreds). */
function privateScalar(key: KeyObject): Buffer {
  let d = scalars.get(key);
  if (d === undefined) {
    d = Buffer.from(key.export({ format: 'jwk' }).d as string, 'base64url');
    scalars.set(key, d);
  }
  return d;
}

function publicDer(key: FakeKey): Buffer {
  return createPublicKey(key.material as KeyObject).export({ format: 'der', type: 'spki' });
}

function signingAlgorithms(key: FakeKey): string[] | undefined {
  if (key.keyUsage !== 'SIGN_VERIFY') return undefined;
  return key.keySpec === 'ECC_NIST_P256' ? ['ECDSA_SHA_256'] : key.keySpec.startsWith('RSA') ? ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'] : ['ECDSA_SHA_384'];
}

function metadata(key: FakeKey): Record<string, unknown> {
  return {
    AWSAccountId: ACCOUNT,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: key.created / 1000,
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    Origin: key.origin,
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    ...(signingAlgorithms(key) ? { SigningAlgorithms: signingAlgorithms(key) } : {}),
    MultiRegion: key.multiRegion !== undefined,
    ...(key.multiRegion
      ? {
          MultiRegionConfiguration: {
            MultiRegionKeyType: key.multiRegion.primaryArn === key.arn ? 'PRIMARY' : 'REPLICA',
            PrimaryKey: { Arn: key.multiRegion.primaryArn, Region: regionOfArn(key.multiRegion.primaryArn) },
            ReplicaKeys: key.multiRegion.related.filter((k) => k.arn !== key.multiRegion!.primaryArn).map((k) => ({ Arn: k.arn, Region: regionOfArn(k.arn) })),
          },
        }
      : {}),
    ...(key.expirationModel ? { ExpirationModel: key.expirationModel } : {}),
    ...(key.validTo ? { ValidTo: key.validTo } : {}),
  };
}

const regionOfArn = (arn: string) => arn.split(':')[3];

/** Unwrap imported material as KMS does for the algorithm chosen in GetParametersForImport. */
function unwrap(parameters: ImportParameters, blob: Buffer): Buffer {
  const oaepHash = parameters.algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const rsa = (data: Buffer) => privateDecrypt({ key: parameters.wrappingKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, data);
  if (parameters.algorithm.startsWith('RSAES_OAEP')) return rsa(blob);
  // RSA_AES_KEY_WRAP: an ephemeral AES-256 key wrapped with RSA-OAEP, then the material wrapped with it (RFC 5649).
  const modulusBytes = (parameters.wrappingKey.asymmetricKeyDetails?.modulusLength as number) / 8;
  const aesKey = rsa(blob.subarray(0, modulusBytes));
  const decipher = createDecipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('A65959A6', 'hex'));
  return Buffer.concat([decipher.update(blob.subarray(modulusBytes)), decipher.final()]);
}

/** Key material the fake makes itself (AWS_KMS keys, a foreign signer): never a test's tracked key. */
function newP256Key(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}
