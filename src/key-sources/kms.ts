/**
 * Keys held by AWS KMS (docs/design.md#keys-held-by-aws-kms): a policy key `{ kmsKeyId, keyId, issuerId | individual:
 * true | teamId }`, its compilation, what the function's role needs for it, and its fetcher
 * (src/key-sources/kms-fetcher.ts).
 */
import type { KMSClientConfig } from '@aws-sdk/client-kms';
import { ISSUER_ID_PATTERN, KEY_ID_PATTERN, TEAM_ID_PATTERN } from '../core/apple.ts';
import { KmsKeyFetcher } from './kms-fetcher.ts';
import { replicaArnForIam } from './regional.ts';
import type { IamStatement, PolicyKeyBase, PolicyKeySource } from './source.ts';

/** A key imported into AWS KMS: the private key never leaves KMS, so the policy says who it is to Apple. */
export interface KmsPolicyKey extends PolicyKeyBase {
  source: 'kms';
  /** Key ID, key ARN, alias name (`alias/…`) or alias ARN. */
  kmsKeyId: string;
  /** The token's `kid` while the KMS key has no AscTokenVending tags (which win, so an alias move needs no deploy). */
  keyId: string;
  /** `undefined`: an individual key (`individual: true`), or a developer key (`teamId`). */
  issuerId: string | undefined;
  /** A developer key's Team ID (APNs, Sign in with Apple, …). */
  teamId?: string | undefined;
}

const PARTITION = '(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc)';
/** A KMS key ID: a UUID, or `mrk-` and 32 hex digits for a multi-Region key. */
const KMS_KEY = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
/** An alias name after `alias/` (KMS allows 256 characters in all). */
const KMS_ALIAS = 'alias/[A-Za-z0-9/_-]{1,250}';
const KMS_KEY_ID = new RegExp(`^(?:${KMS_KEY}|${KMS_ALIAS}|arn:${PARTITION}:kms:[a-z]{2}(?:-[a-z]+)+-[0-9]:[0-9]{12}:(?:key/${KMS_KEY}|${KMS_ALIAS}))$`);
const BARE_KEY_ID = new RegExp(`^${KMS_KEY}$`);
const KMS_ARN = /^arn:([a-z-]+):kms:([a-z0-9-]+):([0-9]{12}):(key|alias)\/(.+)$/;
/** AWS managed keys' aliases: symmetric keys KMS made, never an imported signing key. */
const AWS_MANAGED_ALIAS = /(^|:)alias\/aws\//;

/**
 * What the role may sign with for one `kmsKeyId`: a key ID or key ARN names one key; an alias names the keys
 * infra/kms-key.yml made for it, by the tag `asc-token-vending:alias` each carries from its creation — not by
 * `kms:ResourceAliases`, which follows the alias: KMS takes up to five minutes to apply an alias change to
 * authorisation, so during a rotation the old key would lose the grant before the new key gains it, and requests
 * would fail while containers still sign with the old key.
 */
function kmsTarget(kmsKeyId: string): { keyArn: unknown } | { alias: string; keys: unknown } {
  if (BARE_KEY_ID.test(kmsKeyId)) return { keyArn: { 'Fn::Sub': `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/${kmsKeyId}` } };
  if (kmsKeyId.startsWith('alias/')) return { alias: kmsKeyId, keys: { 'Fn::Sub': 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*' } };
  const [, partition, region, account, kind, name] = KMS_ARN.exec(kmsKeyId) as RegExpExecArray;
  // A multi-Region key's ARN: its replica in the stack's own region (src/key-sources/regional.ts).
  return kind === 'key' ? { keyArn: replicaArnForIam(kmsKeyId) } : { alias: `alias/${name}`, keys: `arn:${partition}:kms:${region}:${account}:key/*` };
}

export const kmsSource: PolicyKeySource<KmsPolicyKey> = {
  name: 'kms',
  selector: 'kmsKeyId',
  fields: ['kmsKeyId', 'keyId', 'issuerId', 'individual', 'teamId'],
  shape: '{ kmsKeyId: ID_OR_ALIAS, keyId: KEY_ID, issuerId: ISSUER_ID | individual: true | teamId: TEAM_ID }',
  compile(name, entry, problem) {
    let valid = true;
    const invalid = (field: string, text: string) => {
      problem(field, text);
      valid = false;
    };
    const { kmsKeyId, keyId, issuerId, individual, teamId } = entry;
    if (typeof kmsKeyId !== 'string' || !KMS_KEY_ID.test(kmsKeyId)) {
      invalid('kmsKeyId', 'must be a KMS key ID, key ARN, alias name (alias/NAME) or alias ARN');
    } else if (AWS_MANAGED_ALIAS.test(kmsKeyId)) {
      invalid('kmsKeyId', 'alias/aws/… names a key AWS manages for a service, which cannot hold an imported signing key');
    }
    if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) {
      invalid('keyId', 'must be the 10-character key ID from App Store Connect (the kid of tokens while the KMS key has no AscTokenVending tags)');
    }
    if (issuerId !== undefined && (typeof issuerId !== 'string' || !ISSUER_ID_PATTERN.test(issuerId))) {
      invalid('issuerId', 'must be the issuer ID from App Store Connect (8-4-4-4-12 hex)');
    }
    if (individual !== undefined && individual !== true) invalid('individual', 'must be true (an individual key), or left out for a team key with issuerId');
    if (teamId !== undefined && (typeof teamId !== 'string' || !TEAM_ID_PATTERN.test(teamId))) invalid('teamId', 'must be the 10-character Team ID of the developer account');
    const given = [issuerId, individual, teamId].filter((v) => v !== undefined).length;
    if (given > 1) invalid('', 'issuerId, individual and teamId exclude each other: an App Store Connect team key has an issuer, an individual key none, a developer key a team');
    if (given === 0) invalid('', 'a kmsKeyId entry needs issuerId (an App Store Connect team key), individual: true, or teamId (a developer key: APNs, Sign in with Apple, …)');
    if (!valid) return undefined;
    return {
      name,
      source: 'kms',
      kmsKeyId: kmsKeyId as string,
      keyId: keyId as string,
      issuerId: issuerId as string | undefined,
      ...(teamId === undefined ? {} : { teamId: teamId as string }),
      issuer: teamId === undefined ? 'issuer-id' : 'team-id',
      appleIdentity: teamId !== undefined ? `team:${teamId}` : issuerId !== undefined ? `issuer:${issuerId}` : 'individual',
    };
  },
  describe: (key) =>
    `KMS key ${key.kmsKeyId} — key ${key.keyId}, ${key.teamId !== undefined ? `team ${key.teamId}` : key.issuerId === undefined ? 'individual key' : `issuer ${key.issuerId}`} (the KMS key's AscTokenVending tags win when set)`,
  createFetcher(keys, context) {
    const metrics = context.metrics;
    return new KmsKeyFetcher({
      keys: new Map(keys.map((key) => [key.name, { kmsKeyId: key.kmsKeyId, identity: { keyId: key.keyId, issuerId: key.issuerId, ...(key.teamId === undefined ? {} : { teamId: key.teamId }) } }])),
      ...(context.clientConfig ? { clientConfig: context.clientConfig as KMSClientConfig } : {}),
      ...(context.now ? { now: context.now } : {}),
      onSign: ({ ok, durationMs }) => {
        metrics?.timing('KeySignLatency', durationMs, { source: 'kms' });
        if (!ok) metrics?.count('KeySignFailures', { source: 'kms' });
      },
    });
  },
  /**
   * kms:Sign (ECDSA_SHA_256 over a digest, as this module signs) and the metadata the fetcher caches (DescribeKey,
   * GetPublicKey, ListResourceTags): on the named keys, or for an alias on the keys tagged with it.
   */
  iamStatements(keys): IamStatement[] {
    const keyArns: unknown[] = [];
    const aliases: string[] = [];
    const aliasKeys: unknown[] = [];
    for (const key of keys) {
      const target = kmsTarget(key.kmsKeyId);
      if ('keyArn' in target) keyArns.push(target.keyArn);
      else {
        aliases.push(target.alias);
        if (!aliasKeys.some((k) => JSON.stringify(k) === JSON.stringify(target.keys))) aliasKeys.push(target.keys);
      }
    }
    const sign = { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' };
    const metadata = ['kms:DescribeKey', 'kms:GetPublicKey', 'kms:ListResourceTags'];
    const statements: IamStatement[] = [];
    if (keyArns.length > 0) {
      statements.push({ Effect: 'Allow', Action: 'kms:Sign', Resource: keyArns, Condition: { StringEquals: sign } });
      statements.push({ Effect: 'Allow', Action: metadata, Resource: keyArns });
    }
    if (aliases.length > 0) {
      const tagged = { 'aws:ResourceTag/asc-token-vending:alias': aliases };
      statements.push({ Effect: 'Allow', Action: 'kms:Sign', Resource: aliasKeys, Condition: { StringEquals: { ...sign, ...tagged } } });
      statements.push({ Effect: 'Allow', Action: metadata, Resource: aliasKeys, Condition: { StringEquals: tagged } });
    }
    return statements;
  },
};
