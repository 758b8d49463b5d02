// The SQLFlowJob controller: three informers (jobs, and the Workflows and pods labelled with
// a job), a work queue keyed by job, and the reconciler. Events only enqueue job keys.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { HOLD_ANNOTATION } from '../api/hold.ts';
import { GROUP, isFinished, JOB_LABEL, PLURAL, VERSION, type SQLFlowJob } from '../api/job.ts';
import { describeError } from '../kube/errors.ts';
import type { EventRecorder } from '../kube/events.ts';
import { Informer } from '../kube/informer.ts';
import type { Logger } from '../kube/logger.ts';
import { Resources } from '../kube/resources.ts';
import { WorkQueue } from '../kube/workqueue.ts';
import { WORKFLOW_LABEL, type ArgoWorkflowLike, type PodLike } from '../workflow/observe.ts';
import { trimJob, trimPod, trimWorkflow } from '../workflow/trim.ts';
import type { StepDefaults } from './desired.ts';
import type { Metrics } from './metrics.ts';
import { Reconciler } from './reconciler.ts';

export interface ControllerOptions {
  kc: KubeConfig;
  /** Watch one namespace, or all when undefined. */
  namespace?: string;
  defaults: StepDefaults;
  events: EventRecorder;
  metrics: Metrics;
  log: Logger;
  workers?: number;
  /** Full relist period of the informers (default 10 min). */
  relistIntervalMs?: number;
}

type Obj<T> = T & KubernetesObject;

function collection(group: string, version: string, plural: string, namespace?: string): string {
  const base = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  return namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
}

export class Controller {
  readonly jobs: Informer<Obj<SQLFlowJob>>;
  readonly workflows: Informer<Obj<ArgoWorkflowLike>>;
  readonly pods: Informer<Obj<PodLike>>;
  readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private depthTimer: NodeJS.Timeout | undefined;
  private readonly lastErrors = new Map<string, string>();

  constructor(private readonly o: ControllerOptions) {
    const common = { logger: o.log, ...(o.relistIntervalMs !== undefined ? { relistIntervalMs: o.relistIntervalMs } : {}) };
    this.jobs = new Informer(o.kc, { path: collection(GROUP, VERSION, PLURAL, o.namespace), transform: trimJob, ...common });
    this.workflows = new Informer(o.kc, {
      path: collection('argoproj.io', 'v1alpha1', 'workflows', o.namespace), labelSelector: JOB_LABEL, indexLabels: [JOB_LABEL], transform: trimWorkflow, ...common,
    });
    // Indexed by workflow too, so the API server's Fetch can read this same cache (JobSource.over).
    this.pods = new Informer(o.kc, { path: collection('', 'v1', 'pods', o.namespace), labelSelector: JOB_LABEL, indexLabels: [JOB_LABEL, WORKFLOW_LABEL], transform: trimPod, ...common });
    const m = o.metrics;
    this.queue = new WorkQueue({
      name: 'sqlflowjobs',
      workers: o.workers ?? 4,
      logger: o.log,
      onReconciled: (_key, outcome, ms) => {
        m.reconciles.inc({ outcome });
        if (outcome === 'error') m.reconcileErrors.inc();
        m.reconcileDuration.observe(ms / 1000);
      },
    });
    this.reconciler = new Reconciler({
      kube: new Resources(o.kc),
      jobs: this.jobs.store, workflows: this.workflows.store, pods: this.pods.store,
      events: o.events, defaults: o.defaults, log: o.log,
      onPhase: (key, phase) => m.setPhase(key, phase),
    });

    // Urgent: a job that waits for its Workflow, or whose spec or hold changed (cancel, release). Everything else
    // only mirrors state into status (our own status writes, Argo's progress, the initial list of finished jobs)
    // and goes to the background lane, which yields to a burst of new jobs.
    const keyOf = (j: KubernetesObject) => `${j.metadata?.namespace}/${j.metadata?.name}`;
    const onJob = (j: Obj<SQLFlowJob>, old?: Obj<SQLFlowJob>) => {
      const waiting = !j.status?.workflowName && !isFinished(j.status?.phase);
      const changed = old !== undefined && (old.metadata?.generation !== j.metadata?.generation ||
        old.metadata?.annotations?.[HOLD_ANNOTATION] !== j.metadata?.annotations?.[HOLD_ANNOTATION] ||
        old.metadata?.deletionTimestamp !== j.metadata?.deletionTimestamp);
      if (waiting || changed) this.queue.add(keyOf(j));
      else this.queue.addBackground(keyOf(j));
    };
    const enqueueOwner = (o2: KubernetesObject) => {
      const job = o2.metadata?.labels?.[JOB_LABEL];
      if (job) this.queue.addBackground(`${o2.metadata?.namespace}/${job}`);
    };
    this.jobs.addHandler({ add: (j) => onJob(j), update: (o1, n) => onJob(n, o1), delete: (j) => this.queue.addBackground(keyOf(j)) });
    for (const inf of [this.workflows, this.pods] as Informer<KubernetesObject>[]) {
      inf.addHandler({ add: enqueueOwner, update: (_o, n) => enqueueOwner(n), delete: enqueueOwner });
    }
    for (const [name, inf] of [['sqlflowjobs', this.jobs], ['workflows', this.workflows], ['pods', this.pods]] as const) {
      (inf as Informer<KubernetesObject>).on('restart', (info) => {
        m.watchRestarts.inc({ resource: name, reason: info.reason });
        if (info.error !== undefined) this.lastErrors.set(name, describeError(info.error).replace(/\s+/g, " ").trim());
      });
    }
  }

  /**
   * Starts the informers and waits for their caches. Every replica does this (as
   * controller-runtime's manager does), so a standby is warm when it becomes leader.
   */
  async startCaches(): Promise<void> {
    for (const inf of [this.workflows, this.pods, this.jobs] as Informer<KubernetesObject>[]) inf.start();
    await Promise.all([this.workflows, this.pods, this.jobs].map((i) => (i as Informer<KubernetesObject>).waitForSync()));
  }

  /** Starts the workers (the leader only); keys queued while standing by are processed now. */
  startWorkers(): void {
    this.queue.run((key) => this.reconciler.reconcile(key));
    this.depthTimer = setInterval(() => this.o.metrics.queueDepth.set(this.queue.len()), 1000);
    this.depthTimer.unref();
  }

  hasSynced(): boolean {
    return this.jobs.hasSynced() && this.workflows.hasSynced() && this.pods.hasSynced();
  }

  /** Why the caches are not synced (for /readyz and the log), or undefined when they are. */
  notReadyReason(): string | undefined {
    const waiting = ([['sqlflowjobs', this.jobs], ['workflows', this.workflows], ['pods', this.pods]] as const)
      .filter(([, inf]) => !(inf as Informer<KubernetesObject>).hasSynced())
      .map(([name]) => {
        const err = this.lastErrors.get(name);
        const hint = name === 'workflows' && err?.includes('404') ? ' (is Argo Workflows installed? its Workflow CRD is missing)'
          : name === 'sqlflowjobs' && err?.includes('404') ? ' (install the SQLFlowJob CRD from crds/)' : '';
        return err ? `${name}: ${err}${hint}` : `${name}: listing`;
      });
    return waiting.length ? `caches not synced: ${waiting.join('; ')}` : undefined;
  }

  /** Stops the watches, then lets running reconciles finish. */
  async stop(): Promise<void> {
    if (this.depthTimer) clearInterval(this.depthTimer);
    await Promise.all([this.jobs, this.workflows, this.pods].map((i) => (i as Informer<KubernetesObject>).stop()));
    await this.queue.shutDown();
  }
}
