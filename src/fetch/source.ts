// What Fetch knows about jobs, workflows and pods: three informers (the runtime's resilient ones) and a change
// notifier that long-polling Fetches wait on — woken by watch events, never by a timer loop.
//
// Scope: the API server watches every namespace (one set of caches for all clients); the library scopes the
// informers to one job (field selector on the job's name, label selector sqlflow.org/job=<name> on workflows and
// pods), so a CLI only ever lists what it reads.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, JOB_LABEL, PLURAL, type SQLFlowJob } from '../api/job.ts';
import { Informer } from '../kube/informer.ts';
import { type Logger, silentLogger } from '../kube/logger.ts';
import type { ArgoWorkflowLike, PodLike } from '../workflow/observe.ts';
import { WORKFLOW_LABEL } from '../workflow/observe.ts';
import { trimJob, trimPod, trimWorkflow } from '../workflow/trim.ts';

type Obj<T> = T & KubernetesObject;
export type PodObj = Obj<PodLike> & {
  metadata?: { uid?: string; labels?: Record<string, string>; namespace?: string };
  spec?: { nodeName?: string };
};
export type WorkflowObj = Obj<ArgoWorkflowLike>;
export type JobObj = SQLFlowJob & KubernetesObject;

export interface JobState {
  job: JobObj | undefined;
  workflow: WorkflowObj | undefined;
  pods: PodObj[];
}

export interface SourceScope {
  /** Watch one namespace only (default: all). */
  namespace?: string;
  /** Watch one job only (needs namespace). */
  job?: string;
}

function collection(group: string, version: string, plural: string, namespace?: string): string {
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}

/** Keys a waiter listens on: the job and its workflow. */
const jobKey = (ns: string, name: string) => `j/${ns}/${name}`;
const wfKey = (ns: string, name: string) => `w/${ns}/${name}`;

/**
 * Informers another component already runs over every namespace (the operator's controller): the API server reads
 * the same caches instead of holding a second copy of every job, Workflow and pod. The pods informer must index
 * WORKFLOW_LABEL. Their owner starts and stops them.
 */
export interface SharedInformers {
  jobs: Informer<JobObj>;
  workflows: Informer<WorkflowObj>;
  pods: Informer<PodObj>;
}

export class JobSource {
  readonly jobs: Informer<JobObj>;
  readonly workflows: Informer<WorkflowObj>;
  readonly pods: Informer<PodObj>;
  private seq = 0;
  /** Last change per live job or workflow key; a deleted object's key is dropped (bounded by what exists). */
  private readonly lastChange = new Map<string, number>();
  /** The seq of the latest dropped key: a waiter from before it may have missed that change, so it wakes at once. */
  private dropped = 0;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly owned: boolean;

  static over(shared: SharedInformers): JobSource {
    return new JobSource(undefined, {}, silentLogger, shared);
  }

  constructor(kc: KubeConfig | undefined, scope: SourceScope = {}, logger: Logger = silentLogger, shared?: SharedInformers) {
    this.owned = shared === undefined;
    const on = (keyOf: (o: KubernetesObject) => string | undefined) => {
      const f = (o: KubernetesObject) => {
        const k = keyOf(o);
        if (k) this.touch(k);
      };
      const gone = (o: KubernetesObject) => {
        const k = keyOf(o);
        if (k) this.touch(k, true);
      };
      return { add: f, update: (_: KubernetesObject, n: KubernetesObject) => f(n), delete: gone };
    };
    if (shared) {
      this.jobs = shared.jobs;
      this.workflows = shared.workflows;
      this.pods = shared.pods;
      this.watch(on);
      return;
    }
    if (!kc) throw new Error('JobSource needs a KubeConfig or shared informers');
    const [group, version] = API_VERSION.split('/') as [string, string];
    const ns = scope.namespace;
    const common = { logger, relistIntervalMs: 5 * 60_000 };
    const jobSel = scope.job ? `${JOB_LABEL}=${scope.job}` : JOB_LABEL;
    this.jobs = new Informer<JobObj>(kc, {
      path: collection(group, version, PLURAL, ns),
      ...(scope.job ? { fieldSelector: `metadata.name=${scope.job}` } : {}),
      transform: trimJob,
      ...common,
    });
    this.workflows = new Informer<WorkflowObj>(kc, { path: collection('argoproj.io', 'v1alpha1', 'workflows', ns), labelSelector: jobSel, transform: trimWorkflow, ...common });
    this.pods = new Informer<PodObj>(kc, { path: collection('', 'v1', 'pods', ns), labelSelector: jobSel, indexLabels: [WORKFLOW_LABEL], transform: trimPod, ...common });
    this.watch(on);
  }

  private watch(on: (keyOf: (o: KubernetesObject) => string | undefined) => { add(o: KubernetesObject): void; update(a: KubernetesObject, b: KubernetesObject): void; delete(o: KubernetesObject): void }): void {
    this.jobs.addHandler(on((o) => jobKey(o.metadata?.namespace ?? '', o.metadata?.name ?? '')));
    this.workflows.addHandler(on((o) => wfKey(o.metadata?.namespace ?? '', o.metadata?.name ?? '')));
    // A pod's deletion is a change of its workflow, not the workflow's end: its key stays.
    const podHandler = on((o) => {
      const wf = o.metadata?.labels?.[WORKFLOW_LABEL];
      return wf ? wfKey(o.metadata?.namespace ?? '', wf) : undefined;
    });
    this.pods.addHandler({ ...podHandler, delete: podHandler.add });
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.owned) for (const i of this.informers()) i.start();
    await Promise.all(this.informers().map((i) => i.waitForSync(timeoutMs)));
  }

  async stop(): Promise<void> {
    if (this.owned) await Promise.all(this.informers().map((i) => i.stop()));
    for (const set of this.waiters.values()) for (const w of set) w();
    this.waiters.clear();
  }

  /** A change counter to pass to waitChange(): take it BEFORE reading state, so no event falls in between. */
  version(): number {
    return this.seq;
  }

  get(namespace: string, job: string, workflow: string | undefined): JobState {
    const j = this.jobs.store.get(namespace, job);
    const wfName = workflow || j?.status?.workflowName;
    const wf = wfName ? this.workflows.store.get(namespace, wfName) : undefined;
    const pods = wfName ? this.pods.store.byLabel(WORKFLOW_LABEL, wfName).filter((p) => p.metadata?.namespace === namespace) : [];
    return { job: j, workflow: wf, pods };
  }

  /** Resolves when the job, its workflow or one of its pods changed after `since`, or `signal` aborts. */
  waitChange(namespace: string, job: string, workflow: string | undefined, since: number, signal: AbortSignal): Promise<void> {
    const keys = [jobKey(namespace, job)];
    if (workflow) keys.push(wfKey(namespace, workflow));
    if (keys.some((k) => (this.lastChange.get(k) ?? this.dropped) > since) || signal.aborted) return Promise.resolve();
    return new Promise((ok) => {
      const done = () => {
        for (const k of keys) {
          const set = this.waiters.get(k);
          set?.delete(done);
          if (set?.size === 0) this.waiters.delete(k);
        }
        signal.removeEventListener('abort', done);
        ok();
      };
      for (const k of keys) {
        let set = this.waiters.get(k);
        if (!set) this.waiters.set(k, (set = new Set()));
        set.add(done);
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Records a change of `key` and wakes its waiters; `gone`: the object was deleted, forget its key. */
  private touch(key: string, gone = false): void {
    ++this.seq;
    if (gone) {
      this.lastChange.delete(key);
      this.dropped = this.seq;
    } else {
      this.lastChange.set(key, this.seq);
    }
    const set = this.waiters.get(key);
    if (set) for (const w of [...set]) w();
  }

  /** Keys with a recorded change (for tests: bounded by the jobs and workflows that exist). */
  trackedKeys(): number {
    return this.lastChange.size;
  }

  private informers(): Informer<KubernetesObject>[] {
    return [this.jobs, this.workflows, this.pods] as unknown as Informer<KubernetesObject>[];
  }
}
