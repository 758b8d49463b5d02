// Shared by the fault tests: a burst of jobs that survives a dead apiserver, and the checks every fault test ends with.
import assert from 'node:assert/strict';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { SQLFlowJob } from '../../src/api/job.ts';
import { JOB_LABEL } from '../../src/api/job.ts';
import type { Jobs } from '../support/jobs.ts';
import type { ControlPlane } from '../../testenv/controlplane/index.ts';
import { OPERATOR_NAMESPACE, OPERATOR_SA } from '../../testenv/operator.ts';

const JOBS = { group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs' };
const WFS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };
const pause = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Creates every job, `parallel` at a time, retrying through connection errors and 5xx (the apiserver may be down).
 * A retry whose first attempt did land gets 409, which counts as created. Bounded by `giveUpMs` per job.
 */
export async function createAll(jobs: Jobs, names: string[], spec: (i: number) => SQLFlowJob['spec'], parallel = 20, giveUpMs = 180_000): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const deadline = Date.now() + giveUpMs;
      for (;;) {
        try {
          await jobs.create(names[i]!, spec(i));
          break;
        } catch (e) {
          const code = (e as { code?: number }).code;
          if (code === 409) break;
          if ((code !== undefined && code < 500 && code !== 429) || Date.now() > deadline) throw e;
          await pause(200);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Lists with retries (the apiserver may be restarting). */
async function list<T>(api: CustomObjectsApi, what: typeof JOBS | typeof WFS, namespace: string, labelSelector?: string): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return ((await api.listNamespacedCustomObject({ ...what, namespace, ...(labelSelector ? { labelSelector } : {}) })) as { items: T[] }).items;
    } catch (e) {
      if (attempt > 100) throw e;
      await pause(300);
    }
  }
}

export interface Outcome {
  phases: Map<string, string>;
  workflowsPerJob: Map<string, string[]>;
  /** Workflow name → its phase (for failure messages). */
  workflowPhases: Map<string, string>;
}

export async function observe(kc: KubeConfig, namespace = 'default'): Promise<Outcome> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const js = await list<SQLFlowJob>(api, JOBS, namespace);
  const wfs = await list<{ metadata: { name: string; labels?: Record<string, string> }; status?: { phase?: string } }>(api, WFS, namespace, JOB_LABEL);
  const phases = new Map(js.map((j) => [j.metadata.name!, j.status?.phase ?? '']));
  const workflowsPerJob = new Map<string, string[]>();
  for (const w of wfs) {
    const j = w.metadata.labels![JOB_LABEL]!;
    workflowsPerJob.set(j, [...(workflowsPerJob.get(j) ?? []), w.metadata.name]);
  }
  return { phases, workflowsPerJob, workflowPhases: new Map(wfs.map((w) => [w.metadata.name, w.status?.phase ?? ''])) };
}

/**
 * Waits until every named job has a final phase, polling the whole list (one request, not one per job). The bound
 * only keeps a broken run from hanging; nothing is asserted about how long it took.
 */
export async function waitAllFinal(kc: KubeConfig, names: string[], boundMs = 600_000): Promise<Outcome> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const o = await observe(kc);
    const pending = names.filter((n) => !['Succeeded', 'Failed', 'Error'].includes(o.phases.get(n) ?? ''));
    if (pending.length === 0) return o;
    if (Date.now() > deadline) {
      throw new Error(`${pending.length} of ${names.length} jobs never finished, e.g. ${pending.slice(0, 5).map((n) => `${n}=${o.phases.get(n) || '(none)'} (workflows ${(o.workflowsPerJob.get(n) ?? []).map((w) => `${w}=${o.workflowPhases.get(w) || '(none)'}`).join(' ') || 'none'})`).join(', ')}`);
    }
    await pause(1000);
  }
}

/** Every job Succeeded, with exactly one Workflow, the one its status names. */
export async function assertExactlyOnce(kc: KubeConfig, names: string[], o: Outcome): Promise<void> {
  const notOk = names.filter((n) => o.phases.get(n) !== 'Succeeded');
  assert.deepEqual(notOk.map((n) => `${n}=${o.phases.get(n)}`), [], 'every job succeeded');
  const dup = names.filter((n) => (o.workflowsPerJob.get(n)?.length ?? 0) !== 1);
  assert.deepEqual(dup.map((n) => `${n}: ${JSON.stringify(o.workflowsPerJob.get(n) ?? [])}`), [], 'exactly one Workflow per job');
  const api = kc.makeApiClient(CustomObjectsApi);
  const js = await list<SQLFlowJob>(api, JOBS, 'default');
  for (const j of js.filter((x) => names.includes(x.metadata.name!))) {
    assert.equal(j.status?.workflowName, o.workflowsPerJob.get(j.metadata.name!)![0], `${j.metadata.name}'s status names its Workflow`);
  }
}

/** A counter from a Prometheus text page, summed over the series whose labels include all of `labels`. */
export function counter(page: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** [from, to] in ms: a kube-apiserver restart, from the kill until its authorizer grants the operator again. */
export type Window = [number, number];

/**
 * Restarts kube-apiserver (running `whileDown` meanwhile) and returns the window in which its refusals are not the
 * operator's fault: a restarted apiserver serves requests before its RBAC caches hold the roles, and refuses them.
 */
export async function restartApiserver(cp: ControlPlane, whileDown?: () => Promise<void>): Promise<Window> {
  const from = Date.now();
  await cp.restartApiserver(whileDown);
  const as = `--as=system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SA}`;
  for (;;) {
    const r = await cp.kubectl(['auth', 'can-i', 'patch', 'sqlflowjobs.sqlflow.org', '--subresource=status', '-n', 'default', as]);
    if (r.stdout.trim() === 'yes') break;
    await pause(100);
  }
  return [from, Date.now()];
}

/** Fails on RBAC refusals in the operator's log, except those logged inside one of the restart windows. */
export async function assertNoForbiddenOutside(proc: { log(): Promise<string> }, windows: Window[]): Promise<void> {
  const bad = (await proc.log()).split('\n').filter((l) => {
    if (!/cannot [a-z]+ resource/.test(l)) return false;
    const at = Date.parse(/"timestamp":"([^"]+)"/.exec(l)?.[1] ?? '');
    return !windows.some(([from, to]) => at >= from && at <= to);
  });
  if (bad.length) throw new Error(`the operator was refused by RBAC:\n${bad.slice(0, 5).join('\n')}`);
}
