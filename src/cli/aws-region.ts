/**
 * The region the ops commands talk to: the one an ARN names (`arn:aws:secretsmanager:eu-west-1:…`), else the SDK's
 * own configuration (AWS_REGION, the profile). A missing region is a usage error with the fix, not the SDK's bare
 * "Region is missing".
 */
import { CliError, EXIT } from './io.ts';

/** The region of an ARN, or undefined for a name, a key ID or an alias. */
export function regionOfArn(id: string | undefined): string | undefined {
  return /^arn:aws[a-z-]*:(?:secretsmanager|kms):([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:/.exec(id ?? '')?.[1];
}

/** A CliError for the SDK's missing-region failure, or undefined for any other error. */
export function missingRegion(error: unknown): CliError | undefined {
  const message = String((error as Error)?.message ?? error);
  if (!/Region is missing/i.test(message)) return undefined;
  return new CliError('no_region', 'no AWS region is configured', EXIT.usage, 'set AWS_REGION (or a region in your AWS profile), or give the full ARN, which names its region');
}
