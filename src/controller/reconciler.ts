// Reconcile(job key): make the job's Workflow exist (once), cancel it when asked, mirror its
// state into the job's status, and delete the job when its TTL is up. Level-triggered: it
// reads the caches and the job, never the event that woke it.
import type { KubernetesObject } from '@kubernetes/client-node';
import { HOLD_ANNOTATION, holdOf } from '../api/hold.ts';
import { API_VERSION, GROUP, isFinished, KIND, JOB_LABEL, PLURAL, VERSION, type JobPhase, type SQLFlowJob } from '../api/job.ts';
import { describeError, isAlreadyExists, isNotFound } from '../kube/errors.ts';
import type { EventRecorder, ObjectRef } from '../kube/events.ts';
import type { Logger } from '../kube/logger.ts';
import type { Resources } from '../kube/resources.ts';
import { mergePatchCustomStatus, patchCustomObject } from '../kube/patch.ts';
import type { Store } from '../kube/store.ts';
import type { ReconcileResult } from '../kube/workqueue.ts';
import { workflowCompleted, type ArgoWorkflowLike, type PodLike } from '../workflow/observe.ts';
import { desiredWorkflow, InvalidJobError, workflowName, type StepDefaults } from './desired.ts';
import { desiredStatus, statusPatch, type WorkflowObservation } from './status.ts';

const WF = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };
const JOBS = { group: GROUP, version: VERSION, plural: PLURAL };
const FIELD_MANAGER = 'sqlflow-operator';
/** Different owners' Workflows may already hold derived names; give up after this many. */
const MAX_NAME_ATTEMPTS = 8;

type Wf = ArgoWorkflowLike & KubernetesObject;

export interface ReconcilerDeps {
  kube: Resources;
  jobs: Store<SQLFlowJob & KubernetesObject>;
  workflows: Store<Wf>;
  pods: Store<PodLike & KubernetesObject>;
  events: EventRecorder;
  defaults: StepDefaults;
  log: Logger;
  now?: () => Date;
  /** Called with each job's phase after reconcile, for metrics. */
  onPhase?(key: string, phase: JobPhase | undefined): void;
}

export class Reconciler {
  /**
   * Workflows created whose name the job's status does not show yet (job key -> name): the status write waits in
   * the background lane, and by then the Workflow may still be missing from the cache; the name says where to look
   * instead of creating again (controller-runtime's "expectations").
   */
  private readonly created = new Map<string, string>();

  /**
   * The finished phase last announced per job (its UID and phase). The job cache can still show the old phase after our own status
   * write; a reconcile in that window (woken by a pod or Workflow update) writes the same status again, and without
   * this it would record the same completion event again (a series of 2, patched 10 s later).
   */
  private readonly announced = new Map<string, string>();

  constructor(private readonly d: ReconcilerDeps) {}

  private now(): Date {
    return this.d.now?.() ?? new Date();
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns, name] = key.split('/') as [string, string];
    const job = this.d.jobs.get(ns, name);
    if (!job || job.metadata.deletionTimestamp) {
      this.created.delete(key);
      this.announced.delete(key);
      this.d.onPhase?.(key, undefined);
      return; // gone: its Workflow and pods follow by garbage collection
    }
    const log = this.d.log.child({ job: key });
    const phase = job.status?.phase;

    if (isFinished(phase) && !job.status?.workflowName) {
      return this.expire(job, log); // invalid or cancelled before submission: nothing more to observe
    }

    let obs = await this.observe(job);
    let invalid: { reason: string; message: string } | undefined;
    const hold = holdOf(job);
    if (obs.kind === 'none' && !job.spec.cancel && hold !== undefined) {
      await this.reportHeld(job, hold, log);
      return; // removing the annotation is an update, which brings the job back here
    }
    if (obs.kind === 'none' && !job.spec.cancel) {
      try {
        const wf = await this.create(job, log);
        this.created.set(key, wf.metadata!.name!);
        // The job's status (workflowName, phase) can wait: the Workflow is what the job waited for, and in a
        // burst the next jobs' creates go first. A restarted operator finds the Workflow by label meanwhile.
        return { requeueBackground: true };
      } catch (e) {
        if (!(e instanceof InvalidJobError)) {
          await this.reportSubmitFailure(job, e, log);
          throw e; // retried with backoff
        }
        invalid = { reason: e.reason, message: e.message };
      }
    }
    if (obs.kind === 'present' && job.spec.cancel) await this.cancel(job, obs.workflow, log);

    const desired = desiredStatus(job, obs, this.now().toISOString(), invalid);
    const patch = statusPatch(job, desired);
    if (patch) {
      await mergePatchCustomStatus(this.d.kube, { ...JOBS, namespace: ns, name }, patch, FIELD_MANAGER);
      // By UID: a job deleted and created again under its name while we did not look is another job.
      const said = `${job.metadata.uid} ${desired.phase}`;
      if (desired.phase !== phase && this.announced.get(key) !== said) {
        this.announce(job, desired.phase!, desired.message ?? '', invalid?.reason);
        if (isFinished(desired.phase)) this.announced.set(key, said);
      }
      log.debug('status updated', { phase: desired.phase, progress: desired.progress });
    }
    this.d.onPhase?.(key, desired.phase);
    if (isFinished(desired.phase)) return this.expire({ ...job, status: { ...job.status, ...desired } }, log);
  }

  /** The job's Workflow from the cache; a live read confirms absence before calling it deleted. */
  private async observe(job: SQLFlowJob): Promise<WorkflowObservation> {
    const ns = job.metadata.namespace!;
    const key = `${ns}/${job.metadata.name}`;
    if (job.status?.workflowName) this.created.delete(key);
    const recorded = job.status?.workflowName ?? this.created.get(key);
    const owned = (w: Wf | undefined) => w && ownedBy(w, job) ? w : undefined;
    let wf = recorded ? owned(this.d.workflows.get(ns, recorded)) : undefined;
    // Found by label when status was not written (the operator died right after creating it).
    wf ??= this.d.workflows.byLabel(JOB_LABEL, job.metadata.name!).find((w) => w.metadata?.namespace === ns && ownedBy(w, job));
    if (!wf && recorded) {
      try {
        wf = owned((await this.d.kube.get({ ...WF, namespace: ns, name: recorded })) as Wf);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (!wf) return { kind: 'deleted', name: recorded };
    }
    if (!wf) return { kind: 'none' };
    const wfName = wf.metadata?.name;
    const pods = this.d.pods.byLabel(JOB_LABEL, job.metadata.name!).filter(
      (p) => (p as KubernetesObject).metadata?.namespace === ns && (p as KubernetesObject).metadata?.labels?.['workflows.argoproj.io/workflow'] === wfName,
    );
    return { kind: 'present', workflow: wf, pods };
  }

  /** Creates the Workflow under a name derived from the job's UID; adopts it if it already exists. */
  private async create(job: SQLFlowJob, log: Logger): Promise<Wf> {
    const ns = job.metadata.namespace!;
    const d = desiredWorkflow(job, this.d.defaults);
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const name = d.fixedName ?? workflowName(d.prefix, job.metadata.uid!, attempt);
      const body = { ...d.manifest, metadata: { ...d.manifest.metadata, name } };
      try {
        const created = (await this.d.kube.create({ ...WF, namespace: ns }, body)) as Wf;
        log.info('workflow created', { workflow: name });
        this.d.events.normal(ref(job), 'Submitted', `Created workflow ${name}`, 'Create');
        return created;
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      const existing = (await this.d.kube.get({ ...WF, namespace: ns, name })) as Wf;
      if (ownedBy(existing, job)) {
        log.info('workflow adopted', { workflow: name });
        return existing;
      }
      if (d.fixedName) {
        throw new InvalidJobError('InvalidWorkflow', `spec.workflow.metadata.name: a Workflow named ${name} already exists in ${ns} and belongs to something else; use generateName or another name in a new SQLFlowJob`);
      }
    }
    throw new Error(`no free workflow name for prefix ${d.prefix} after ${MAX_NAME_ATTEMPTS} attempts`);
  }

  /**
   * A Workflow that cannot be created for now (Argo's CRD missing, a webhook refusing it, RBAC)
   * would leave the job Pending without a word: say why in its status and an event, then retry.
   */
  private async reportSubmitFailure(job: SQLFlowJob, err: unknown, log: Logger): Promise<void> {
    const message = `cannot create the workflow yet: ${describeError(err)}; retrying`;
    log.warn('workflow creation failed', { error: describeError(err) });
    this.d.events.warning(ref(job), 'SubmitFailed', message, 'Create');
    const desired = desiredStatus(job, { kind: 'none' }, this.now().toISOString());
    const patch = statusPatch(job, { ...desired, message, conditions: desired.conditions!.map((c) => ({ ...c, message, ...(c.type === 'Reconciling' ? { reason: 'SubmitFailed' } : {}) })) });
    if (!patch) return;
    try {
      await mergePatchCustomStatus(this.d.kube, { ...JOBS, namespace: job.metadata.namespace!, name: job.metadata.name! }, patch, FIELD_MANAGER);
    } catch (e) {
      log.warn('cannot record the failure in status', { error: describeError(e) });
    }
  }

  /** A held job (HOLD_ANNOTATION) shows what it waits for, so one left held is explained by `kubectl get sfj`. */
  private async reportHeld(job: SQLFlowJob, hold: string, log: Logger): Promise<void> {
    const message = `waiting for ${hold} before creating the workflow (annotation ${HOLD_ANNOTATION}; remove it to submit the job as it is)`;
    const desired = desiredStatus(job, { kind: 'none' }, this.now().toISOString());
    const patch = statusPatch(job, { ...desired, message, conditions: desired.conditions!.map((c) => ({ ...c, message, ...(c.type === 'Reconciling' ? { reason: 'Held' } : {}) })) });
    if (!patch) return;
    await mergePatchCustomStatus(this.d.kube, { ...JOBS, namespace: job.metadata.namespace!, name: job.metadata.name! }, patch, FIELD_MANAGER);
    log.debug('job held', { hold });
  }

  /** Argo's own way to stop a workflow: spec.shutdown=Terminate, set with a merge patch. */
  private async cancel(job: SQLFlowJob, wf: Wf, log: Logger): Promise<void> {
    if (workflowCompleted(wf) || wf.spec?.shutdown === 'Terminate') return;
    await patchCustomObject(this.d.kube, { ...WF, namespace: job.metadata.namespace!, name: wf.metadata!.name! }, 'merge', { spec: { shutdown: 'Terminate' } });
    log.info('workflow terminated on cancel', { workflow: wf.metadata?.name });
    this.d.events.normal(ref(job), 'Cancelling', `Terminating workflow ${wf.metadata?.name} (spec.cancel is true)`, 'Cancel');
  }

  private announce(job: SQLFlowJob, phase: JobPhase, message: string, reason?: string): void {
    switch (phase) {
      case 'Succeeded':
        this.d.events.normal(ref(job), 'Succeeded', message, 'Complete');
        break;
      case 'Cancelled':
        this.d.events.normal(ref(job), 'Cancelled', message, 'Complete');
        break;
      case 'Failed':
      case 'Error':
        this.d.events.warning(ref(job), reason ?? phase, message, 'Complete');
        break;
      default:
        break;
    }
  }

  /** ttlSecondsAfterFinished: delete the job when due (its Workflow and pods go by garbage collection). */
  private async expire(job: SQLFlowJob, log: Logger): Promise<ReconcileResult | void> {
    const ttl = job.spec.ttlSecondsAfterFinished;
    const finishedAt = job.status?.finishedAt;
    if (ttl === undefined || !finishedAt) return;
    const due = Date.parse(finishedAt) + ttl * 1000 - this.now().getTime();
    if (due > 0) return { requeueAfter: due };
    try {
      await this.d.kube.delete({ ...JOBS, namespace: job.metadata.namespace!, name: job.metadata.name! }, { propagationPolicy: 'Background' });
      log.info('job deleted after ttlSecondsAfterFinished', { ttl });
    } catch (e) {
      if (!isNotFound(e)) throw new Error(`deleting expired job: ${describeError(e)}`);
    }
  }
}

function ownedBy(obj: KubernetesObject, job: SQLFlowJob): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === job.metadata.uid);
}

function ref(job: SQLFlowJob): ObjectRef {
  const m = job.metadata;
  return { apiVersion: API_VERSION, kind: KIND, name: m.name!, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion };
}
