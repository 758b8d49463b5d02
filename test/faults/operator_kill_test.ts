// Fault: the operator SIGKILLed 20 times over a burst of 500 jobs, each time after it made some progress (Workflows
// created or jobs finished) and while work was left. Its Workflow names are derived from the job's UID, so a restarted
// operator adopts what a killed one created: exactly one Workflow per job, and every job finishes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from '../../testenv/argo/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { assertNoForbidden, installOperator, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Jobs } from '../support/jobs.ts';
import { until } from '../support/http.ts';
import { assertExactlyOnce, createAll, observe, waitAllFinal } from './support.ts';

let cp: ControlPlane;
let argo: LocalArgo;
let sa: string;
const started: OperatorProcess[] = [];
const keepAlive = setInterval(() => {}, 1000);
const STEP = `--step-command=${JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')])}`;

before(async () => {
  cp = await startControlPlane();
  sa = await installOperator(cp);
  await installWorkflowCrd(cp.kubeConfig());
  argo = await startLocalArgo({ kc: cp.kubeConfig(), kubelet: cp.kubelet! });
});
after(async () => {
  try {
    for (const p of started) await p.stop('SIGKILL');
    for (const p of started) await assertNoForbidden(p);
  } finally {
    await argo?.stop();
    await cp?.stop();
    clearInterval(keepAlive);
  }
});

const N = 500;
const KILLS = 20;
/** Operations (creates, adoptions, status writes) each operator life gets before its SIGKILL. */
const PER_LIFE = 15;

describe('operator SIGKILLed during a burst', () => {
  // Its own bound, above npm test's 10 min default: 21 operator start-ups and 500 jobs on a machine that may be busy.
  it(`${KILLS} kills over ${N} jobs: exactly one Workflow per job, all finish`, { timeout: 1_800_000 }, async () => {
    const kc = cp.kubeConfig();
    const jobs = new Jobs(kc);
    const names = Array.from({ length: N }, (_, i) => `kill-${i}`);
    // Kill after the operator made a little progress (its own log: Workflows created or adopted, statuses written),
    // read from its log file rather than the apiserver so the kill lands mid-work however loaded the machine is.
    const progressOf = async (p: OperatorProcess) => ((await p.log()).match(/"message":"(workflow created|workflow adopted|status updated)"/g) ?? []).length;
    const at: number[] = [];
    let creating: Promise<void> | undefined;
    for (let k = 0; k < KILLS; k++) {
      const p = await startOperator(cp, sa, [STEP]);
      started.push(p);
      creating ??= createAll(jobs, names, (i) => ({ sql: `SELECT ${i}` }), 10);
      await until(`operator ${k + 1} made progress`, async () => (await progressOf(p)) >= PER_LIFE, 300_000, 20);
      p.child.kill('SIGKILL');
      assert.equal(await p.exited, -1);
      const o = await observe(kc);
      at.push(o.workflowsPerJob.size + [...o.phases.values()].filter((x) => x === 'Succeeded').length);
    }
    assert.ok(at.at(-1)! < 2 * N, `the last kill came while work was left (progress ${at.at(-1)} of ${2 * N})`);
    started.push(await startOperator(cp, sa, [STEP]));
    await creating;
    const o = await waitAllFinal(kc, names);
    await assertExactlyOnce(kc, names, o);
    assert.equal(at.length, KILLS);
  });
});
