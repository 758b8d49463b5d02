// The operator's memory with many finished jobs cached: N SQLFlowJobs (default 10,000), each Succeeded with its
// Workflow (templates of a real program) and its step pod present, against the same operator idle with no jobs.
// The objects are written while no operator runs (so it creates nothing), then the built operator (dist/) starts,
// lists everything, reconciles every job once, and settles; its RSS and V8 heap are read then.
// Usage: npm run build && node --import tsx bench/memory.ts   (MEMORY_JOBS=2000 for a quick run)
// MEMORY_NODE_FLAGS="a b|c" compares V8 flag sets on the same objects ('|' between sets; default: the image's);
// a NAME=value word in a set is an environment variable of the operator (MALLOC_ARENA_MAX=2).
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { mergePatchCustomStatus } from '../src/kube/patch.ts';
import { shareConnections } from '../src/kube/pool.ts';
import { parseProgram } from '../src/sql/parse.ts';
import { buildWorkflow } from '../src/workflow/build.ts';
import { startControlPlane } from '../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../testenv/argo/crd.ts';
import { installOperator } from '../testenv/operator.ts';
import { IMAGE_NODE_FLAGS, startDistOperator, type DistOperator } from './support/operator_dist.ts';
import { Resources } from '../src/kube/resources.ts';

const N = Number(process.env.MEMORY_JOBS ?? 10_000);
const NS = 'memory';
const CONCURRENCY = 24;
const MB = 1048576;

async function heapUsed(op: DistOperator): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
  return Number(/^sqlflow_operator_nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
}

/** Waits until RSS stops growing (three readings 2 s apart within 2 MB), after the caches synced. */
async function settledRss(op: DistOperator): Promise<number> {
  let last = op.rss();
  let calm = 0;
  while (calm < 3) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = op.rss();
    calm = Math.abs(now - last) < 2 * MB ? calm + 1 : 0;
    last = now;
  }
  return last;
}

async function pool<T>(items: number, f: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items) await f(next++);
  }));
}

const cp = await startControlPlane();
try {
  const kc = shareConnections(cp.kubeConfig());
  await installWorkflowCrd(kc);
  const sa = await installOperator(cp);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const kube = new Resources(kc);
  await core.createNamespace({ body: { metadata: { name: NS } } });

  const variants = process.env.MEMORY_NODE_FLAGS === undefined ? [IMAGE_NODE_FLAGS] : process.env.MEMORY_NODE_FLAGS.split('|').map((v) => v.split(' ').filter(Boolean));
  const start = (words: string[]) => startDistOperator(cp.dir, sa, [], words.filter((w) => w.startsWith('-')),
    Object.fromEntries(words.filter((w) => !w.startsWith('-')).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)])));
  const idle: { rss: number; heap: number }[] = [];
  for (const flags of variants) {
    const op = await start(flags);
    const rss = await settledRss(op);
    const heap = await heapUsed(op);
    await op.stop();
    idle.push({ rss, heap });
    console.log(`idle (no jobs), node ${flags.join(' ') || '(no flags)'}: RSS ${(rss / MB).toFixed(1)} MB, V8 heap used ${(heap / MB).toFixed(1)} MB`);
  }

  const template = buildWorkflow(parseProgram('SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3 LABEL class INTO sqlflow_models.my_dnn_model;'), { generateName: 'job-' });
  const t0 = performance.now();
  await pool(N, async (i) => {
    const name = `job-${i}`;
    const wfName = `${name}-wf`;
    const job = (await custom.createNamespacedCustomObject({
      group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: NS,
      body: { apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name }, spec: { sql: 'SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3 LABEL class INTO sqlflow_models.my_dnn_model;' } },
    })) as { metadata: { uid: string } };
    const nodeID = `${wfName}-1000`;
    const at = '2026-12-01T00:00:00Z';
    await custom.createNamespacedCustomObject({
      group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', namespace: NS,
      body: {
        ...template,
        metadata: {
          name: wfName, labels: { 'sqlflow.org/job': name },
          ownerReferences: [{ apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', name, uid: job.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        status: {
          phase: 'Succeeded', startedAt: at, finishedAt: at, progress: '1/1',
          nodes: {
            [wfName]: { id: wfName, name: wfName, displayName: wfName, type: 'Steps', phase: 'Succeeded', startedAt: at, finishedAt: at },
            [nodeID]: { id: nodeID, name: `${wfName}[0].step-1`, displayName: 'step-1', type: 'Pod', templateName: 'step-1', phase: 'Succeeded', startedAt: at, finishedAt: at, boundaryID: wfName, outputs: { exitCode: '0' } },
          },
        },
      },
    });
    await core.createNamespacedPod({
      namespace: NS,
      body: {
        metadata: { name: `${wfName}-step-1-1000`, labels: { 'sqlflow.org/job': name, 'workflows.argoproj.io/workflow': wfName }, annotations: { 'workflows.argoproj.io/node-id': nodeID } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'wait', image: 'quay.io/argoproj/argoexec:v3.7.0', command: ['argoexec', 'wait', '--loglevel', 'info'], env: [{ name: 'ARGO_POD_NAME', value: `${wfName}-step-1-1000` }, { name: 'ARGO_CONTAINER_RUNTIME_EXECUTOR', value: 'emissary' }] },
            { name: 'main', image: 'sqlflow/step:latest', command: ['/var/run/argo/argoexec', 'emissary', '--', 'sqlflow-step'], args: ['SELECT * FROM iris.train TO TRAIN DNNClassifier WITH model.n_classes = 3 LABEL class INTO sqlflow_models.my_dnn_model;'] },
          ],
        },
      },
    });
    await mergePatchCustomStatus(kube, { group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: NS, name },
      { phase: 'Succeeded', workflowName: wfName, startedAt: at, finishedAt: at, stepCount: 1, progress: '1/1', message: '1 step succeeded' });
  });
  console.log(`wrote ${N} finished jobs with their workflows and pods in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  for (const [i, flags] of variants.entries()) {
    const op = await start(flags);
    const full = await settledRss(op);
    const fullHeap = await heapUsed(op);
    await op.stop();
    const base = idle[i]!;
    console.log(`${N} finished jobs cached, node ${flags.join(' ') || '(no flags)'}: RSS ${(full / MB).toFixed(1)} MB, V8 heap used ${(fullHeap / MB).toFixed(1)} MB; ` +
      `per cached job (job + workflow + pod): ${((full - base.rss) / N).toFixed(0)} bytes of RSS, ${((fullHeap - base.heap) / N).toFixed(0)} bytes of V8 heap`);
  }
} finally {
  await cp.stop();
}
