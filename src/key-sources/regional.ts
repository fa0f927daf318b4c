/**
 * Keys named once for every region (docs/design.md#two-regions): the same bundle, policy and templates serve a stack
 * per region, each reading its own region's copy. A secret name, a KMS alias name and a multi-Region key ID (`mrk-…`)
 * already mean each region's own copy; an ARN names one region, so two kinds of ARN are read in the deployment's
 * region instead: a secret's (a replica's ARN is its primary's but for the region) and a multi-Region KMS key's (the
 * same key ID in every region). Any other ARN names one key in one region and is used as written.
 */

const SECRET_ARN = /^(arn:aws[a-z-]*:secretsmanager:)[a-z0-9-]+(:\d{12}:secret:)/;
const MULTI_REGION_KEY_ARN = /^(arn:aws[a-z-]*:kms:)[a-z0-9-]+(:\d{12}:key\/mrk-[0-9a-f]{32})$/;

function pattern(id: string): RegExp | undefined {
  return SECRET_ARN.test(id) ? SECRET_ARN : MULTI_REGION_KEY_ARN.test(id) ? MULTI_REGION_KEY_ARN : undefined;
}

/** The ID as the deployment in `region` reads it (unchanged without a region, or for an ID that is not regional). */
export function replicaIdIn(id: string, region: string | undefined): string {
  const arn = region === undefined ? undefined : pattern(id);
  return arn === undefined ? id : id.replace(arn, `$1${region}$2`);
}

/** For the function role's policy: a regional ARN with the stack's own region (`Fn::Sub`), else the ID as given. */
export function replicaArnForIam(arn: string): string | { 'Fn::Sub': string } {
  const found = pattern(arn);
  return found === undefined ? arn : { 'Fn::Sub': arn.replace(found, '$1${AWS::Region}$2') };
}
