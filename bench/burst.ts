// A burst of jobs: how long N SQLFlowJobs take to become their Workflows, against kubectl creating N Workflows
// directly, side by side in one run on one control plane. The Workflows are suspended and no Argo runs, so only
// the operator's own path is measured (list-watch, reconcile, create, status). Both sides are created by one
// `kubectl create -f` of a List (kubectl sends one POST per item, in order); the operator side is timed until the
// last Workflow exists; then until every job's status names its Workflow and every job has its Submitted event
// (the operator leaves both for after a burst), which is when requests are counted. Also: the operator's API
// requests per job (audit log), its CPU time over the round and its RSS after each round. The operator runs as shipped, API server on (its
// Fetch reads the controller's informers); BURST_API=off runs it with --api-addr=0 as earlier figures did.
// Usage: npm run build && node --import tsx bench/burst.ts   (BURST_N="500,1500,5000" to choose the sizes;
// BURST_CPU_PROF=dir profiles the operator, BURST_APISERVER_PROF=dir the apiserver while the jobs are created (and,
// with BURST_FLOOR, while the two kubectls create theirs);
// BURST_FLOOR=1 also times kubectl creating the N SQLFlowJobs with the operator stopped: the CRD's own cost, which
// bounds the ratio whatever the operator does)
import { createWriteStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { KubeHttp } from '../src/kube/http.ts';
import { Informer } from '../src/kube/informer.ts';
import { startControlPlane, type ControlPlane } from '../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../testenv/argo/crd.ts';
import { installOperator, OPERATOR_NAMESPACE, OPERATOR_SA } from '../testenv/operator.ts';
import { auditEvents, tally, type AuditEvent } from '../test/support/audit.ts';
import { IMAGE_NODE_FLAGS, startDistOperator } from './support/operator_dist.ts';
import { freePort } from '../testenv/controlplane/ports.ts';
import { describeCpu, snapshot } from './support/cpu.ts';

const TIMELINE_S = 2;
const sizes = (process.env.BURST_N ?? '500,1500,5000').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
const WORKFLOW_SPEC = { entrypoint: 'main', suspend: true, templates: [{ name: 'main', container: { image: 'busybox', command: ['true'] } }] };

async function kubectlCreate(cp: ControlPlane, dir: string, file: string, items: object[]): Promise<number> {
  const path = join(dir, file);
  await writeFile(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const t0 = performance.now();
  const r = await cp.kubectl(['create', '-f', path, '-o', 'name']);
  if (r.code !== 0) throw new Error(`kubectl create -f ${file}: ${r.stderr.slice(0, 2000)}`);
  return performance.now() - t0;
}

/** Resolves when `n` objects of `path` pass `counts` (a watch, not a poll). */
async function objectsExist(kc: KubeConfig, path: string, n: number, counts?: (o: KubernetesObject) => boolean): Promise<{ done: Promise<number>; stop(): Promise<void> }> {
  const inf = new Informer<KubernetesObject>(kc, { path });
  let resolve!: (t: number) => void;
  const done = new Promise<number>((ok) => (resolve = ok));
  const check = () => {
    // The timed watch counts by size: a list per event would cost the bench O(N²) CPU beside the apiserver.
    if ((counts ? inf.store.list().filter(counts).length : inf.store.size) >= n) resolve(performance.now());
  };
  inf.addHandler({ add: check, update: check, delete: () => {} });
  inf.start();
  await inf.waitForSync();
  check();
  return { done, stop: () => inf.stop() };
}

async function apiserverProfile(kc: KubeConfig, file: string, seconds: number): Promise<void> {
  const { res } = await KubeHttp.for(kc).open('GET', '/debug/pprof/profile', { query: { seconds }, timeoutMs: (seconds + 30) * 1000 });
  if (res.statusCode !== 200) throw new Error(`apiserver profile: HTTP ${res.statusCode}`);
  await pipeline(res, createWriteStream(file));
  console.log(`  apiserver CPU profile (${seconds} s): ${file}  (go tool pprof -top ${file})`);
}

const cp = await startControlPlane({ audit: true });
const rows: string[] = [];
try {
  const kc = cp.kubeConfig();
  await installWorkflowCrd(kc);
  const sa = await installOperator(cp);
  const apiFlags = process.env.BURST_API === 'off' ? [] : [`--api-addr=127.0.0.1:${await freePort()}`];
  const startOperator = () => startDistOperator(cp.dir, sa, apiFlags, [...IMAGE_NODE_FLAGS, ...(process.env.BURST_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BURST_CPU_PROF}`] : [])]);
  let op = await startOperator();
  // kubectl's first call fetches discovery; do it before anything is timed.
  await cp.kubectl(['get', 'workflows.argoproj.io,sqlflowjobs.sqlflow.org', '-A']);
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`operator idle RSS: ${(op.rss() / 1048576).toFixed(1)} MB`);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const n of sizes) {
    const wfNs = `raw-${n}`;
    const jobNs = `jobs-${n}`;
    for (const name of [wfNs, jobNs]) await core.createNamespace({ body: { metadata: { name } } });
    const raw = Array.from({ length: n }, (_, i) => ({
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: `raw-${i}`, namespace: wfNs }, spec: WORKFLOW_SPEC,
    }));
    const cpuOf = () => snapshot(cp.dir, { operator: op.child.pid! });
    const rawCpu0 = cpuOf();
    const rawMs = await kubectlCreate(cp, cp.dir, `raw-${n}.json`, raw);
    console.log(`  N=${n}, kubectl creating N Workflows: ${describeCpu(rawCpu0, cpuOf())}`);
    const jobsIn = (ns: string) => Array.from({ length: n }, (_, i) => ({
      apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name: `job-${i}`, namespace: ns },
      spec: { workflow: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'job-' }, spec: WORKFLOW_SPEC } },
    }));
    let floorMs: number | undefined;
    if (process.env.BURST_FLOOR) {
      // The same jobs with no operator to act on them, deleted again before it comes back.
      await op.stop();
      const floorNs = `floor-${n}`;
      await core.createNamespace({ body: { metadata: { name: floorNs } } });
      const floorCpu0 = cpuOf();
      floorMs = await kubectlCreate(cp, cp.dir, `floor-${n}.json`, jobsIn(floorNs));
      const floorCpu = describeCpu(floorCpu0, cpuOf());
      // The least any operator must add: the N Workflow creates, here sent by a second kubectl beside the first.
      const bothNs = [`both-jobs-${n}`, `both-wf-${n}`];
      for (const name of bothNs) await core.createNamespace({ body: { metadata: { name } } });
      const bothCpu0 = cpuOf();
      const tb = performance.now();
      // The same profile window as the operator side's below, to compare where the apiserver's CPU goes.
      const bothProf = process.env.BURST_APISERVER_PROF ? apiserverProfile(kc, join(process.env.BURST_APISERVER_PROF, `apiserver-floor-${n}.pprof`), Math.max(3, Math.round(rawMs / 1000))) : undefined;
      await Promise.all([
        kubectlCreate(cp, cp.dir, `both-jobs-${n}.json`, jobsIn(bothNs[0]!)),
        kubectlCreate(cp, cp.dir, `both-wf-${n}.json`, raw.map((w) => ({ ...w, metadata: { ...w.metadata, namespace: bothNs[1]! } }))),
      ]);
      const bothMs = performance.now() - tb;
      const bothCpu = describeCpu(bothCpu0, cpuOf());
      await bothProf;
      console.log(`  N=${n}, no operator: kubectl creating N SQLFlowJobs ${(floorMs / 1000).toFixed(1)} s (ratio ${(rawMs / floorMs).toFixed(2)}); ${floorCpu}`);
      console.log(`  N=${n}, no operator: N SQLFlowJobs and N Workflows by two kubectls at once ${(bothMs / 1000).toFixed(1)} s (ratio ${(rawMs / bothMs).toFixed(2)}); ${bothCpu}`);
      // One DELETE of the collection per namespace (kubectl delete --all --wait deletes and waits one by one: minutes).
      for (const ns of [floorNs, bothNs[0]!]) {
        await custom.deleteCollectionNamespacedCustomObject({ group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: ns });
        for (let i = 0; ; i++) {
          const left = (await custom.listNamespacedCustomObject({ group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs', namespace: ns, limit: 1 })) as { items: unknown[] };
          if (left.items.length === 0) break;
          if (i > 600) throw new Error(`SQLFlowJobs in ${ns} still there 60 s after their deletion`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      op = await startOperator();
    }

    const watch = await objectsExist(kc, `/apis/argoproj.io/v1alpha1/namespaces/${jobNs}/workflows`, n);
    const jobs = jobsIn(jobNs);
    const from = new Date();
    const cpu0 = op.cpuSeconds();
    const jobsCpu0 = cpuOf();
    const t0 = performance.now();
    // BURST_APISERVER_PROF=dir: the apiserver's own CPU profile (Go pprof) over the operator side's first seconds.
    const prof = process.env.BURST_APISERVER_PROF ? apiserverProfile(kc, join(process.env.BURST_APISERVER_PROF, `apiserver-${n}.pprof`), Math.max(3, Math.round(rawMs / 1000))) : undefined;
    const createMs = await kubectlCreate(cp, cp.dir, `jobs-${n}.json`, jobs);
    await prof;
    const jobsMs = (await watch.done) - t0;
    console.log(`  N=${n}, N SQLFlowJobs until N Workflows: ${describeCpu(jobsCpu0, cpuOf())}`);
    // Watched only from here, so the timed part carries no watch load the kubectl side does not have.
    const statuses = await objectsExist(kc, `/apis/sqlflow.org/v1alpha1/namespaces/${jobNs}/sqlflowjobs`, n,
      (j) => Boolean((j as { status?: { workflowName?: string } }).status?.workflowName));
    const events = await objectsExist(kc, `/apis/events.k8s.io/v1/namespaces/${jobNs}/events`, n, (e) => (e as { reason?: string }).reason === 'Submitted');
    const statusMs = (await statuses.done) - t0;
    const eventsMs = (await events.done) - t0;
    for (const w of [watch, statuses, events]) await w.stop();
    // Anything still in flight (the jobs' own MODIFIED events → no-op reconciles) lands before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const mine = (await auditEvents(cp.auditLog!, `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SA}`, from))
      .filter((e) => e.objectRef?.namespace === jobNs || e.objectRef?.namespace === undefined);
    const t = tally(mine);
    // Everyone else's requests on the jobs' namespace in the same window, but kubectl's creates: the garbage
    // collector, the bench's own watches. Writes here compete with the timed creates as the operator's do.
    const others = (await auditEvents(cp.auditLog!, (u) => u !== `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SA}`, from))
      .filter((e) => e.objectRef?.namespace === jobNs && !(e.verb === 'create' && e.objectRef.resource === 'sqlflowjobs'));
    const rss = op.rss();
    const cpu = op.cpuSeconds() - cpu0;
    const ratio = rawMs / jobsMs;
    const line = `N=${n}: kubectl ${(rawMs / 1000).toFixed(1)} s for N Workflows; N SQLFlowJobs → N Workflows ${(jobsMs / 1000).toFixed(1)} s ` +
      `(kubectl create of the jobs alone ${(createMs / 1000).toFixed(1)} s); ratio ${ratio.toFixed(2)}; ` +
      `all statuses ${(statusMs / 1000).toFixed(1)} s, all Submitted events ${(eventsMs / 1000).toFixed(1)} s; ` +
      `${(mine.length / n).toFixed(2)} operator requests/job; operator CPU ${cpu.toFixed(1)} s (${((cpu / n) * 1000).toFixed(2)} ms/job); operator RSS ${(rss / 1048576).toFixed(0)} MB`;
    console.log(line);
    console.log(`  load: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    console.log(`  requests by the operator: ${Object.entries(t).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log(`  requests by others (not kubectl's job creates): ${Object.entries(tally(others)).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
    // When each kind of write went out, against kubectl's creates (which end at createMs): what competed with them.
    const buckets = new Map<number, AuditEvent[]>();
    for (const e of mine) {
      const b = Math.floor((new Date(e.requestReceivedTimestamp).getTime() - from.getTime()) / (TIMELINE_S * 1000));
      buckets.set(b, [...(buckets.get(b) ?? []), e]);
    }
    console.log(`  operator requests per ${TIMELINE_S} s (kubectl's job creates ended at ${(createMs / 1000).toFixed(1)} s):`);
    for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
      console.log(`    ${b * TIMELINE_S}–${(b + 1) * TIMELINE_S} s: ${Object.entries(tally(buckets.get(b)!)).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    rows.push(`| ${n} | ${(rawMs / 1000).toFixed(1)} s | ${(jobsMs / 1000).toFixed(1)} s | ${ratio.toFixed(2)} | ${(statusMs / 1000).toFixed(1)} s | ${(mine.length / n).toFixed(2)} | ${cpu.toFixed(1)} s | ${(rss / 1048576).toFixed(0)} MB |`);
  }
  console.log('\n| N | kubectl: N Workflows | N SQLFlowJobs → Workflows | ratio | → all statuses | operator requests/job | operator CPU | operator RSS after |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  await op.stop();
} finally {
  await cp.stop();
}
