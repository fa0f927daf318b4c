/**
 * Policy as code beyond cfn-lint: cfn-guard with AWS Control Tower's proactive-control rules (the npm package
 * @cdklabs/cdk-validator-cfnguard ships both the binary and the rules) on the template `osls package` generates
 * and on every infra/ template. Every finding must be listed with its reason in docs/deployment-checks.md, and
 * every finding listed there must still occur: the page is the complete, current list.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const guardPackage = join(root, 'node_modules/@cdklabs/cdk-validator-cfnguard');
const binary = join(guardPackage, 'bin', platform() === 'darwin' ? 'macos' : 'ubuntu', arch() === 'arm64' ? 'aarch64' : 'x86_64', 'cfn-guard');
const rules = join(guardPackage, 'rules/control-tower/cfn-guard');
const out = mkdtempSync(join(tmpdir(), 'asc-guard-'));

/** `file|control` for every rule a template fails, the control being Control Tower's ID (CT.S3.PR.8). */
async function findings(files: string[]): Promise<Set<string>> {
  // cfn-guard exits 19 when a rule fails: the report is on stdout either way.
  const result = await run(binary, ['validate', '--rules', rules, ...files.flatMap((f) => ['--data', f]), '--output-format', 'json', '--show-summary', 'none', '--structured'], { maxBuffer: 64 * 1024 * 1024 }).catch((e) => {
    if (e.code !== 19) throw e;
    return e;
  });
  const report = JSON.parse(result.stdout) as Array<{ name: string; not_compliant: Array<{ Rule: { name: string } }> }>;
  assert.equal(report.length, files.length, 'cfn-guard reported on every template');
  const found = new Set<string>();
  for (const file of report) {
    const name = file.name.startsWith(out) ? 'serverless (function stack)' : file.name.slice(root.length + 1);
    for (const failure of file.not_compliant) {
      const controls = new Set(JSON.stringify(failure).match(/\[CT\.[A-Z0-9]+\.PR\.\d+\]/g));
      assert.equal(controls.size, 1, `one control per failed rule ${failure.Rule.name}`);
      found.add(`${name}|${[...controls][0]!.slice(1, -1)}|${failure.Rule.name}`);
    }
  }
  return found;
}

/** The rows of the table in docs/deployment-checks.md: `template|control|rule`. */
function documented(): Set<string> {
  const doc = readFileSync(join(root, 'docs/deployment-checks.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| ([^|]+?) \| (CT\.[A-Z0-9]+\.PR\.\d+) \| ([a-z0-9_]+) \| .+ \|$/gm)];
  return new Set(rows.map((m) => `${m[1]}|${m[2]}|${m[3]}`));
}

before(async () => {
  const env = { ...process.env } as Record<string, string | undefined>;
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'BUILD_POLICY_FILE']) delete env[name];
  await run(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', out], { cwd: root, env });
});
after(() => rmSync(out, { recursive: true, force: true }));

describe('cfn-guard with AWS Control Tower\'s rules', () => {
  it('the binary and the rules ship in the npm package (nothing is downloaded)', async () => {
    assert.ok(existsSync(binary), `${binary} (platform ${platform()} ${arch()})`);
    const { stdout } = await run(binary, ['--version']);
    assert.match(stdout, /^cfn-guard 3\./);
    const count = readdirSync(rules, { recursive: true }).filter((f) => String(f).endsWith('.guard')).length;
    assert.ok(count >= 200, `${count} Control Tower rule files`);
  });

  it('every finding on the function template and infra/ is listed with its reason in docs/deployment-checks.md, and every listed one still occurs', async () => {
    const infra = readdirSync(join(root, 'infra')).filter((f) => f.endsWith('.yml') && f !== 'policy.yaml').map((f) => join(root, 'infra', f));
    assert.ok(infra.length >= 4);
    const found = await findings([join(out, 'cloudformation-template-update-stack.json'), ...infra]);
    const listed = documented();
    const unlisted = [...found].filter((f) => !listed.has(f));
    const stale = [...listed].filter((f) => !found.has(f));
    assert.deepEqual(unlisted, [], 'fix these or list them with a reason in docs/deployment-checks.md');
    assert.deepEqual(stale, [], 'these no longer occur: remove them from docs/deployment-checks.md');
  });

  it('catches what it should: a log group kept 7 days fails CT.CLOUDWATCH.PR.2', async () => {
    const { writeFileSync } = await import('node:fs');
    const bad = join(out, 'bad.yml');
    writeFileSync(bad, 'Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      RetentionInDays: 7\n');
    const found = await findings([bad]);
    assert.ok([...found].some((f) => f.includes('CT.CLOUDWATCH.PR.2')), [...found].join('\n'));
  });
});
