/**
 * The keys commands in several regions (docs/design.md#two-regions): `--region R` points a command at one region's
 * copy of a key (a secret's replica, a multi-Region KMS key's replica), `--regions r1,r2` names every region
 * `keys import --kms-key-id` imports into. A name, a key ID (`mrk-…`) or an alias means the same thing in each
 * region; an ARN names one region, so it is rewritten for another: a replica's ARN is its primary's but for the
 * region (Secrets Manager and KMS both).
 */
import { UsageError } from '../io.ts';

/** A commercial, GovCloud, China or ISO region name (eu-west-1, us-gov-west-1, cn-north-1, us-isob-east-1). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function checkRegion(value: string, flag: string): string {
  if (!REGION.test(value)) throw new UsageError(`${flag}: "${value.slice(0, 40)}" is not an AWS region name (eu-west-1)`);
  return value;
}

/** `--region R` (or `--region=R`) taken out of the arguments. */
export function takeRegion(args: readonly string[]): { region: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let region: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    let value: string | undefined;
    if (arg === '--region') {
      value = args[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError('--region takes a region name (eu-west-1)');
    } else if (arg.startsWith('--region=')) value = arg.slice('--region='.length);
    else {
      rest.push(arg);
      continue;
    }
    if (region !== undefined) throw new UsageError('--region given twice');
    region = checkRegion(value, '--region');
  }
  return { region, rest };
}

/** `--regions r1,r2`: each checked, in order, without repeats. */
export function parseRegions(value: string): string[] {
  const regions = [...new Set(value.split(',').map((r) => r.trim()).filter((r) => r !== ''))].map((r) => checkRegion(r, '--regions'));
  if (regions.length === 0) throw new UsageError('--regions names the regions to import into, with commas: eu-west-1,us-east-1');
  if (regions.length > 20) throw new UsageError('--regions: at most 20 regions');
  return regions;
}

/** A secret or key ID as it is named in `region`: an ARN gets the region, anything else means the same there. */
export function inRegion(id: string, region: string | undefined): string {
  if (region === undefined) return id;
  return id.replace(/^(arn:aws[a-z-]*:(?:secretsmanager|kms):)[a-z0-9-]+(:\d{12}:)/, `$1${region}$2`);
}

/** The arguments with one flag's value passed through `map` (`--flag V` and `--flag=V`). */
export function mapFlag(args: readonly string[], flag: string, map: (value: string) => string): string[] {
  return args.map((arg, i) => {
    if (arg.startsWith(`${flag}=`)) return `${flag}=${map(arg.slice(flag.length + 1))}`;
    return args[i - 1] === flag ? map(arg) : arg;
  });
}
