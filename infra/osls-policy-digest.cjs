// osls plugin: refuse to package a bundle that embeds another policy than the policy file the function's role is
// derived from (infra/serverless-vars.cjs reads the same file). `npm run package` and `npm run deploy` build
// first, so this fires only when something packages a stale dist/handler.mjs (`npx osls deploy` after a policy
// edit without a build).
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const MARK = /\/\/ asc-token-vending policy-sha256=([0-9a-f]{64})\s*$/;

class PolicyDigest {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:createDeploymentArtifacts': () => this.check() };
  }

  check() {
    const root = this.serverless.serviceDir;
    const policyFile = process.env.BUILD_POLICY_FILE || join(root, 'infra/policy.yaml');
    const bundle = join(root, 'dist/handler.mjs');
    const fail = (what) => {
      throw new this.serverless.classes.Error(`${what} Run \`npm run package\` or \`npm run deploy -- --stage STAGE\`: both build from the current policy first.`, 'ASC_STALE_BUNDLE');
    };
    if (!existsSync(bundle)) fail('dist/handler.mjs does not exist.');
    const embedded = MARK.exec(readFileSync(bundle, 'utf8'))?.[1];
    if (!embedded) fail('dist/handler.mjs carries no policy digest (built by an older build script?).');
    const current = createHash('sha256').update(readFileSync(policyFile, 'utf8')).digest('hex');
    if (embedded !== current) {
      fail(`dist/handler.mjs embeds another policy than ${policyFile} (sha256 ${embedded.slice(0, 12)}… vs ${current.slice(0, 12)}…): the function's role would be derived from a policy the function does not enforce.`);
    }
  }
}

module.exports = PolicyDigest;
