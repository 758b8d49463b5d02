// The container image without a container engine: scripts/check-image.sh lints the
// Dockerfile, runs its stages in a scratch folder and starts the result as the image would
// (uid 65532, every mount read-only), here against a real control plane as the operator's
// ServiceAccount, until /readyz answers and SIGTERM ends it with 0.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../../testenv/argo/crd.ts';
import { installOperator, ROOT } from '../../testenv/operator.ts';

let cp: ControlPlane;
let kubeconfig: string;

before(async () => {
  cp = await startControlPlane({ kubelet: false });
  await installWorkflowCrd(cp.kubeConfig());
  const sa = await installOperator(cp);
  // Flattened (CA inlined): the check reads it as uid 65532, which cannot enter the control plane's folder.
  const flat = await cp.kubectl(['config', 'view', '--flatten', '--raw'], { kubeconfig: sa });
  assert.equal(flat.code, 0, flat.stderr);
  kubeconfig = join(cp.dir, 'operator-flat.kubeconfig');
  await writeFile(kubeconfig, flat.stdout);
});
after(() => cp?.stop());

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('container image (scripts/check-image.sh)', () => {
  it('lints clean (and the step image\'s Dockerfile), builds in stages, and runs read-only as uid 65532', async () => {
    const r = await run('bash', [join(ROOT, 'scripts', 'check-image.sh')], { ...process.env, CHECK_IMAGE_KUBECONFIG: kubeconfig });
    assert.equal(r.code, 0, r.out);
    for (const line of [
      'check-image: lint: no findings',
      'check-image: lint step/Dockerfile: no findings',
      'check-image: run: read-only root, uid 65532, node v24.',
      'check-image: run: sqlflow-operator --help ok',
      'check-image: run: sqlflow translate ok',
      'check-image: run: the operator became ready on a read-only root and exited 0 on SIGTERM',
    ]) assert.ok(r.out.includes(line), `missing "${line}" in:\n${r.out}`);
  });
});
