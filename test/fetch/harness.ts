// A hand-driven job for Fetch tests: a SQLFlowJob, its Workflow (nodes written as Argo writes them) and step pods on
// the fake kubelet, whose logs the test appends to the LogStore directly (exact timestamps, bursts, fragments).
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { JOB_LABEL } from '../../src/api/job.ts';
import { mergePatchCustomStatus, patchCustomObject, patchOptions } from '../../src/kube/patch.ts';
import { NODE_ID_ANNOTATION, WORKFLOW_LABEL } from '../../src/workflow/observe.ts';
import type { ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../../testenv/argo/index.ts';
import type { LogStore } from '../../testenv/kubelet/index.ts';
import { Resources } from '../../src/kube/resources.ts';

export const JOBS = { group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs' };
export const WFS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };

export async function installCrds(cp: ControlPlane): Promise<void> {
  const r = await cp.kubectl(['apply', '--server-side', '-f', new URL('../../crds', import.meta.url).pathname]);
  if (r.code !== 0) throw new Error(r.stderr);
  const w = await cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sqlflowjobs.sqlflow.org']);
  if (w.code !== 0) throw new Error(w.stderr);
  await installWorkflowCrd(cp.kubeConfig());
}

export async function createNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
}

export class FakeJob {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly kube: Resources;
  uid = '';
  readonly wf: string;
  private nodes: Record<string, unknown> = {};

  /** `raw`: a given workflow (steps not named as a program's), so the step count is known only once it completes. */
  constructor(
    readonly kc: KubeConfig, readonly logs: LogStore, readonly ns: string, readonly name: string, readonly steps: number,
    readonly opts: { raw?: boolean } = {},
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
    this.kube = new Resources(kc);
    this.wf = `${name}-wf`;
  }

  nodeID(i: number): string {
    return `${this.wf}-${1000 + i}`;
  }

  stepName(i: number): string {
    return this.opts.raw ? `p${i}` : `step-${i + 1}`;
  }

  podName(i: number): string {
    return `${this.wf}-step-${i + 1}-${1000 + i}`;
  }

  /** Creates the job (status Running, workflowName set) and its Workflow with no nodes yet. */
  async create(): Promise<this> {
    const job = (await this.custom.createNamespacedCustomObject({
      ...JOBS, namespace: this.ns,
      body: { apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name: this.name }, spec: { sql: 'SELECT 1;' } },
    })) as { metadata: { uid: string } };
    this.uid = job.metadata.uid;
    await this.custom.createNamespacedCustomObject({
      ...WFS, namespace: this.ns,
      body: {
        apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
        metadata: { name: this.wf, labels: { [JOB_LABEL]: this.name } },
        spec: {
          entrypoint: 'sqlflow',
          templates: [
            { name: 'sqlflow', steps: Array.from({ length: this.steps }, (_, i) => [{ name: this.stepName(i), template: this.stepName(i) }]) },
            ...Array.from({ length: this.steps }, (_, i) => ({ name: this.stepName(i), container: { name: 'main', image: 'x' } })),
          ],
        },
      },
    });
    await this.setWorkflow('Running');
    await mergePatchCustomStatus(this.kube, { ...JOBS, namespace: this.ns, name: this.name }, { phase: 'Running', workflowName: this.wf, ...(this.opts.raw ? {} : { stepCount: this.steps }) });
    return this;
  }

  async setWorkflow(phase: string): Promise<void> {
    await patchCustomObject(this.kube, { ...WFS, namespace: this.ns, name: this.wf }, 'merge', { status: { phase, nodes: this.nodes } });
  }

  async setJobPhase(phase: string): Promise<void> {
    await mergePatchCustomStatus(this.kube, { ...JOBS, namespace: this.ns, name: this.name }, { phase });
  }

  private setNode(i: number, phase: string, extra: Record<string, unknown> = {}): void {
    const id = this.nodeID(i);
    this.nodes[id] = {
      id, name: `${this.wf}[${i}].${this.stepName(i)}`, displayName: this.stepName(i), type: 'Pod', templateName: this.stepName(i),
      phase, startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), boundaryID: this.wf, ...extra,
    };
  }

  /** Node Pending and the pod created, container not started (log answers 400). */
  async createPod(i: number): Promise<void> {
    this.setNode(i, 'Pending');
    await this.setWorkflow('Running');
    await this.core.createNamespacedPod({
      namespace: this.ns,
      body: {
        metadata: {
          name: this.podName(i),
          labels: { [WORKFLOW_LABEL]: this.wf, [JOB_LABEL]: this.name },
          annotations: { [NODE_ID_ANNOTATION]: this.nodeID(i) },
        },
        spec: { nodeName: 'local-node', restartPolicy: 'Never', containers: [{ name: 'wait', image: 'x' }, { name: 'main', image: 'x' }] },
      },
    });
    this.logs.start(this.ns, this.podName(i), 'wait');
  }

  /** Container running: node Running, pod Running, log exists. */
  async startStep(i: number): Promise<void> {
    if (!this.nodes[this.nodeID(i)]) await this.createPod(i);
    this.logs.start(this.ns, this.podName(i), 'main');
    this.setNode(i, 'Running');
    await this.setWorkflow('Running');
    await this.core.patchNamespacedPodStatus(
      { namespace: this.ns, name: this.podName(i), body: { status: { phase: 'Running', containerStatuses: [cs('main', { running: {} })] } } },
      patchOptions('strategic'),
    );
  }

  append(i: number, data: string | Buffer, time?: bigint): void {
    this.logs.append(this.ns, this.podName(i), 'main', data, time);
  }

  /** Container exits: log finished, pod status terminated, node phase from the exit code. */
  async finishStep(i: number, exitCode = 0, message?: string): Promise<void> {
    this.logs.finish(this.ns, this.podName(i), 'main');
    await this.core.patchNamespacedPodStatus(
      {
        namespace: this.ns, name: this.podName(i),
        body: { status: { phase: exitCode === 0 ? 'Succeeded' : 'Failed', containerStatuses: [cs('main', { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } })] } },
      },
      patchOptions('strategic'),
    );
    this.setNode(i, exitCode === 0 ? 'Succeeded' : 'Failed', {
      outputs: { exitCode: String(exitCode) },
      ...(exitCode !== 0 ? { message: message ?? `main: Error (exit code ${exitCode})` } : {}),
    });
    await this.setWorkflow('Running');
  }

  async deletePod(i: number): Promise<void> {
    await this.core.deleteNamespacedPod({ namespace: this.ns, name: this.podName(i), gracePeriodSeconds: 0 });
    this.logs.removePod(this.ns, this.podName(i));
  }

  async complete(phase = 'Succeeded'): Promise<void> {
    await this.setWorkflow(phase);
    await this.setJobPhase(phase);
  }
}

function cs(name: string, state: Record<string, unknown>) {
  return { name, image: 'x', imageID: '', ready: false, restartCount: 0, state };
}
