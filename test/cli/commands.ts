/** The first line of each command's usage, as `asc-token --help` shows them (test/cli/main*.test.ts). */
export const COMMAND_USAGES = [
  'asc-token token PROFILE',
  'asc-token profiles',
  'asc-token mint --p8 FILE',
  'asc-token keys import',
  'asc-token policy check',
  'asc-token upload FILE.ipa',
  'asc-token notarize FILE.zip',
  'asc-token exec',
  'asc-token health',
];
