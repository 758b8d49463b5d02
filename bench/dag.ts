// Parallel steps: one program (two models trained on the same table, then an evaluation and a
// prediction with each) run as spec.schedule Sequential and as DAG, side by side in the same run
// on the local stack (real apiserver, local Argo, operator). Prints each job's wall time (create →
// Succeeded) and the ratio Sequential ÷ DAG (> 1: the DAG is faster).
//
// With the real step runtime (`step` on PATH and SQLFLOW_DATASOURCE set, iris.train/iris.test in
// that database) the steps really train. Otherwise every step is `sleep BENCH_STEP_SECONDS` (2 s)
// then an echo, which shows the schedule's effect alone; the output says which one ran.
// Run: bash scripts/with-node24.sh node --import tsx bench/dag.ts
import { execFileSync } from 'node:child_process';
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane } from '../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../testenv/argo/crd.ts';
import { startLocalArgo } from '../testenv/argo/index.ts';
import { installOperator, startOperator } from '../testenv/operator.ts';
import { Jobs } from '../test/support/jobs.ts';

const PROGRAM = `
SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3, model.hidden_units = [10, 10] LABEL class INTO iris.bench_dnn;
SELECT * FROM iris.train TO TRAIN xgboost.gbtree WITH objective = "multi:softmax", num_class = 3 LABEL class INTO iris.bench_xgb;
SELECT * FROM iris.test TO EVALUATE iris.bench_dnn WITH validation.metrics = "Accuracy" LABEL class INTO iris.bench_dnn_eval;
SELECT * FROM iris.test TO PREDICT iris.bench_dnn_pred.class USING iris.bench_dnn;
SELECT * FROM iris.test TO EVALUATE iris.bench_xgb WITH validation.metrics = "Accuracy" LABEL class INTO iris.bench_xgb_eval;
SELECT * FROM iris.test TO PREDICT iris.bench_xgb_pred.class USING iris.bench_xgb;
`;

function hasStep(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v step'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const real = hasStep() && process.env.SQLFLOW_DATASOURCE !== undefined;
const seconds = Number(process.env.BENCH_STEP_SECONDS ?? 2);
const stepCommand = real ? ['step', '-e'] : ['sh', '-c', `sleep ${seconds}; printf '%s\\n' "$0"`];
console.log(real
  ? 'step runtime: real (`step -e`, datasource from SQLFLOW_DATASOURCE)'
  : `step runtime: not available (no \`step\` on PATH or no SQLFLOW_DATASOURCE); each step sleeps ${seconds} s instead`);

const cp = await startControlPlane();
const argo = await (async () => {
  await installWorkflowCrd(cp.kubeConfig());
  return startLocalArgo({ kc: cp.kubeConfig(), kubelet: cp.kubelet! });
})();
const op = await startOperator(cp, await installOperator(cp), [`--step-command=${JSON.stringify(stepCommand)}`]);
try {
  const kc = cp.kubeConfig();
  const jobs = new Jobs(kc);
  let datasource: { secretKeyRef: { name: string; key: string } } | undefined;
  if (real) {
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'bench-ds' }, stringData: { url: process.env.SQLFLOW_DATASOURCE! } } });
    datasource = { secretKeyRef: { name: 'bench-ds', key: 'url' } };
  }
  const run = async (name: string, schedule: 'DAG' | 'Sequential'): Promise<number> => {
    const t0 = performance.now();
    await jobs.create(name, { sql: PROGRAM, schedule, ...(datasource ? { datasource } : {}) });
    const j = await jobs.waitFor(name, 'finished', (x) => ['Succeeded', 'Failed', 'Error'].includes(x.status?.phase ?? ''), 1_800_000);
    if (j.status!.phase !== 'Succeeded') throw new Error(`${name} ${j.status!.phase}: ${j.status!.message}`);
    return (performance.now() - t0) / 1000;
  };
  const rows: [number, number][] = [];
  // Alternate the order so neither schedule always runs on a warmer machine.
  for (let round = 0; round < 2; round++) {
    const first = round % 2 === 0 ? 'Sequential' : 'DAG';
    const a = await run(`bench-${round}-a`, first);
    const b = await run(`bench-${round}-b`, first === 'DAG' ? 'Sequential' : 'DAG');
    const [seq, dag] = first === 'Sequential' ? [a, b] : [b, a];
    rows.push([seq, dag]);
    console.log(`round ${round}: Sequential ${seq.toFixed(1)} s, DAG ${dag.toFixed(1)} s, ratio Sequential/DAG ${(seq / dag).toFixed(2)}`);
  }
  const seq = rows.reduce((s, r) => s + r[0], 0);
  const dag = rows.reduce((s, r) => s + r[1], 0);
  console.log(`total: Sequential ${seq.toFixed(1)} s, DAG ${dag.toFixed(1)} s, ratio ${(seq / dag).toFixed(2)} (6 steps; longest branch is 2 steps deep, so the ideal is 3)`);
} finally {
  await op.stop();
  await argo.stop();
  await cp.stop();
}
