/**
 * Loaded with --import for every test file, beside leak-guard.ts. On Node < 22 the AWS SDK's clients print a
 * NodeVersionSupportWarning once per process (its releases after January 2027 need Node 22): the tests build SDK
 * clients on Node 20 on purpose, so the warning is noise in their output. The SDK's own switch turns it off, for
 * this process and the processes it starts with its environment. What users run never prints it: the build
 * removes it from the bundles (scripts/build-options.ts), and test/cli/main.dist.test.ts runs the built CLI with
 * a clean environment, without this switch, to prove it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
