// One pass over one workflow, as Argo's wfOperationCtx.operate: reconcile pod nodes with their pods,
// execute the entrypoint template (which creates nodes and asks for pods), then derive the workflow's
// phase, message, progress and conditions. Pure over its inputs: the side effects it wants (create,
// terminate, delete pods; when to look again) are returned for the controller to carry out.
import type { V1Pod } from '@kubernetes/client-node';
import { executeDAG } from './dag.ts';
import { podName } from './names.ts';
import { Nodes, rfc3339 } from './nodes.ts';
import { assessPodNode, isTerminalPodPhase } from './pods.ts';
import { executeSteps } from './steps.ts';
import { findTemplate, globalParams, processTemplate } from './templates.ts';
import {
  LABEL_COMPLETED,
  LABEL_PHASE,
  failedOrError,
  nodeFulfilled,
  type Arguments,
  type NodeStatus,
  type Template,
  type Workflow,
} from './types.ts';

export interface PodRequest {
  node: NodeStatus;
  podName: string;
  template: Template;
}

export interface OperationResult {
  wf: Workflow;
  createPods: PodRequest[];
  /** Pods whose containers must be stopped (shutdown, deadline). */
  terminatePods: string[];
  /** Pods to delete now (podGC). */
  deletePods: string[];
  /** Delete the workflow now (ttlStrategy). */
  deleteWorkflow: boolean;
  /** Look again after this many ms (deadlines, GC delays, TTL). */
  requeueAfterMs?: number;
}

const COMPLETED = new Set(['Succeeded', 'Failed', 'Error']);

export function parseDuration(s: string | undefined, dflt: number): number {
  if (s === undefined || s === '') return dflt;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let m: RegExpExecArray | null;
  let matched = '';
  while ((m = re.exec(s))) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched += m[0];
  }
  return matched === s ? total : dflt;
}

export class Operation {
  readonly wf: Workflow;
  readonly nodes: Nodes;
  readonly vars: Map<string, string>;
  readonly result: OperationResult;
  readonly shutdown: string | undefined;
  readonly deadlineExceeded: boolean;
  private wakeAt: number | undefined;

  constructor(
    wf: Workflow,
    /** The workflow's pods, by node ID (annotation workflows.argoproj.io/node-id). */
    readonly pods: ReadonlyMap<string, V1Pod>,
    readonly now: Date,
  ) {
    this.wf = structuredClone(wf);
    this.wf.status ??= {};
    this.wf.status.nodes ??= {};
    this.wf.metadata.labels ??= {};
    this.nodes = new Nodes(this.wf.metadata.name!, this.wf.status.nodes, () => this.now);
    this.vars = globalParams(this.wf);
    this.shutdown = this.wf.spec.shutdown || undefined;
    const deadline = this.deadline();
    this.deadlineExceeded = deadline !== undefined && now.getTime() >= deadline;
    if (deadline !== undefined && !this.deadlineExceeded) this.wake(deadline);
    this.result = { wf: this.wf, createPods: [], terminatePods: [], deletePods: [], deleteWorkflow: false };
  }

  private deadline(): number | undefined {
    const secs = this.wf.spec.activeDeadlineSeconds;
    const started = this.wf.status?.startedAt;
    if (secs === undefined || secs === null || !started) return undefined;
    return Date.parse(started) + Number(secs) * 1000;
  }

  wake(atMs: number): void {
    if (this.wakeAt === undefined || atMs < this.wakeAt) this.wakeAt = atMs;
  }

  get wfName(): string {
    return this.wf.metadata.name!;
  }

  run(): OperationResult {
    const status = this.wf.status!;
    if (status.phase && COMPLETED.has(status.phase)) {
      this.afterCompletion();
      return this.finish();
    }
    if (!status.phase) {
      status.phase = 'Running';
      status.startedAt ??= rfc3339(this.now);
      this.wf.metadata.labels![LABEL_PHASE] = 'Running';
      this.wf.metadata.labels![LABEL_COMPLETED] = 'false';
      this.wf.metadata.annotations = { ...this.wf.metadata.annotations, 'workflows.argoproj.io/pod-name-format': 'v2' };
      const d = this.deadline();
      if (d !== undefined) this.wake(d);
    }
    this.reconcilePods();
    if (!this.wf.spec.suspend) {
      const root = this.executeTemplate(this.wfName, this.wf.spec.entrypoint, this.wf.spec.arguments, undefined);
      if (root && nodeFulfilled(root.phase)) this.complete(root);
    }
    status.progress = this.nodes.updateProgress();
    this.upsertCondition('PodRunning', Object.values(status.nodes!).some((n) => n.type === 'Pod' && n.phase === 'Running'));
    if (status.phase && COMPLETED.has(status.phase)) this.afterCompletion();
    return this.finish();
  }

  private finish(): OperationResult {
    if (this.wakeAt !== undefined) this.result.requeueAfterMs = Math.max(0, this.wakeAt - this.now.getTime());
    return this.result;
  }

  private upsertCondition(type: string, value: boolean): void {
    const conds = (this.wf.status!.conditions ??= []);
    const status = value ? 'True' : 'False';
    const c = conds.find((x) => x.type === type);
    if (c) c.status = status;
    else conds.push({ type, status });
  }

  /** Pod nodes follow their pods (operator.go podReconciliation / assessNodeStatus). */
  private reconcilePods(): void {
    for (const node of Object.values(this.wf.status!.nodes!)) {
      if (node.type !== 'Pod' || nodeFulfilled(node.phase)) continue;
      const pod = this.pods.get(node.id);
      if (!pod) {
        // A node without its pod is (re)submitted by executeContainer; one started over 10 s ago lost its pod.
        if (node.phase !== 'Pending' && this.now.getTime() - Date.parse(node.startedAt ?? '') > 10_000) {
          this.nodes.mark(node.name, 'Error', 'pod deleted');
        }
        continue;
      }
      assessPodNode(pod, node, this.now);
      if (nodeFulfilled(node.phase)) continue;
      if (this.shutdown) {
        this.result.terminatePods.push(pod.metadata!.name!);
        this.nodes.mark(node.name, 'Failed', `workflow shutdown with strategy:  ${this.shutdown}`);
      } else if (this.deadlineExceeded) {
        this.result.terminatePods.push(pod.metadata!.name!);
        this.nodes.mark(node.name, 'Failed', 'Step exceeded its deadline');
      }
    }
  }

  /** operator.go executeTemplate: resolve, substitute, and run the template under `nodeName`. */
  executeTemplate(nodeName: string, templateName: string | undefined, args: Arguments | undefined, boundaryID: string | undefined): NodeStatus | undefined {
    const existing = this.nodes.byName(nodeName);
    if (existing && nodeFulfilled(existing.phase)) return existing;
    const tmpl = findTemplate(this.wf, templateName);
    if (!tmpl) {
      return existing ?? this.nodes.init(nodeName, 'Skipped', { boundaryID, phase: 'Error', message: `template '${templateName ?? ''}' undefined` });
    }
    const local = new Map(this.vars);
    if (tmpl.container || tmpl.script) local.set('pod.name', podName(this.wfName, nodeName, tmpl.name));
    local.set('node.name', nodeName);
    let processed: Template;
    try {
      processed = processTemplate(tmpl, args, local);
    } catch (err) {
      return existing ?? this.nodes.init(nodeName, 'Skipped', { templateName: tmpl.name, boundaryID, phase: 'Error', message: (err as Error).message });
    }
    if (processed.steps) return executeSteps(this, nodeName, processed, boundaryID);
    if (processed.dag) return executeDAG(this, nodeName, processed, boundaryID);
    if (processed.container || processed.script) return this.executeContainer(nodeName, processed, boundaryID);
    return existing ?? this.nodes.init(nodeName, 'Skipped', { templateName: tmpl.name, boundaryID, phase: 'Error', message: `Template '${tmpl.name}' missing specification` });
  }

  private executeContainer(nodeName: string, tmpl: Template, boundaryID: string | undefined): NodeStatus | undefined {
    // operator.go checkParallelism: at spec.parallelism active pods, a new pod node is not even created
    // (ErrParallelismReached); a later operation tries again.
    const limit = this.wf.spec.parallelism;
    if (limit !== undefined && !this.nodes.byName(nodeName) && this.activePods() >= limit) return undefined;
    const node =
      this.nodes.byName(nodeName) ??
      this.nodes.init(nodeName, 'Pod', { templateName: tmpl.name, boundaryID, phase: 'Pending', inputs: tmpl.inputs?.parameters });
    // operator.go executeContainer calls createWorkflowPod for every node not yet fulfilled, so a pod missing
    // from a Running node is created again too — until podReconciliation marks the node `pod deleted` (after
    // RECENTLY_STARTED_POD_DURATION, 10 s). Seen on the real stack (README, "Parity with real Argo").
    if (nodeFulfilled(node.phase) || this.pods.has(node.id)) return node;
    if (this.shutdown) return this.nodes.mark(nodeName, 'Failed', `workflow shutdown with strategy: ${this.shutdown}`);
    if (this.deadlineExceeded) return this.nodes.mark(nodeName, 'Failed', 'Step exceeded its deadline');
    this.result.createPods.push({ node, podName: podName(this.wfName, nodeName, tmpl.name), template: tmpl });
    return node;
  }

  private activePods(): number {
    return Object.values(this.nodes.map).filter((n) => n.type === 'Pod' && (n.phase === 'Pending' || n.phase === 'Running')).length;
  }

  /** markWorkflowPhase: the root node decides; a shut-down workflow says so. */
  private complete(root: NodeStatus): void {
    const status = this.wf.status!;
    const phase = root.phase === 'Succeeded' || root.phase === 'Skipped' || root.phase === 'Omitted' ? 'Succeeded' : root.phase === 'Error' ? 'Error' : 'Failed';
    const message = failedOrError(root.phase) && this.shutdown ? `Stopped with strategy '${this.shutdown}'` : root.message ?? '';
    status.phase = phase;
    if (message) status.message = message;
    else delete status.message;
    status.finishedAt = rfc3339(this.now);
    this.wf.metadata.labels![LABEL_PHASE] = phase;
    this.wf.metadata.labels![LABEL_COMPLETED] = 'true';
    this.upsertCondition('Completed', true);
  }

  /** podGC and ttlStrategy, once the workflow has completed. */
  private afterCompletion(): void {
    const status = this.wf.status!;
    const finished = Date.parse(status.finishedAt ?? '') || this.now.getTime();
    const ttl = this.wf.spec.ttlStrategy;
    if (ttl) {
      const secs =
        status.phase === 'Succeeded' && ttl.secondsAfterSuccess !== undefined ? ttl.secondsAfterSuccess
        : status.phase !== 'Succeeded' && ttl.secondsAfterFailure !== undefined ? ttl.secondsAfterFailure
        : ttl.secondsAfterCompletion;
      if (secs !== undefined && secs !== null) {
        const due = finished + Number(secs) * 1000;
        if (this.now.getTime() >= due) this.result.deleteWorkflow = true;
        else this.wake(due);
      }
    }
    this.podGC(true);
  }

  /** podGC strategies (workflow/controller/operator.go, pod GC), with deleteDelayDuration. */
  podGC(workflowDone: boolean): void {
    const gc = this.wf.spec.podGC;
    if (!gc?.strategy) return;
    const delay = parseDuration(gc.deleteDelayDuration, 5000);
    const status = this.wf.status!;
    for (const node of Object.values(status.nodes ?? {})) {
      if (node.type !== 'Pod') continue;
      const pod = this.pods.get(node.id);
      if (!pod || pod.metadata?.deletionTimestamp) continue;
      if (!isTerminalPodPhase(pod.status?.phase) && !nodeFulfilled(node.phase)) continue;
      let since: number | undefined;
      switch (gc.strategy) {
        case 'OnPodCompletion':
          if (nodeFulfilled(node.phase)) since = Date.parse(node.finishedAt ?? '');
          break;
        case 'OnPodSuccess':
          if (node.phase === 'Succeeded') since = Date.parse(node.finishedAt ?? '');
          break;
        case 'OnWorkflowCompletion':
          if (workflowDone && status.phase && COMPLETED.has(status.phase)) since = Date.parse(status.finishedAt ?? '');
          break;
        case 'OnWorkflowSuccess':
          if (workflowDone && status.phase === 'Succeeded') since = Date.parse(status.finishedAt ?? '');
          break;
      }
      if (since === undefined || Number.isNaN(since)) continue;
      if (this.now.getTime() >= since + delay) this.result.deletePods.push(pod.metadata!.name!);
      else this.wake(since + delay);
    }
  }
}

/** Runs one operation; podGC for completed pods also runs while the workflow is still going. */
export function operate(wf: Workflow, pods: ReadonlyMap<string, V1Pod>, now = new Date()): OperationResult {
  const op = new Operation(wf, pods, now);
  const res = op.run();
  const phase = res.wf.status?.phase;
  if (!(phase && COMPLETED.has(phase))) op.podGC(false);
  return res;
}
