// The controller loop: workflow and pod informers (src/kube's Informer, which re-lists and restarts on
// errors) feed a work queue keyed by workflow; each reconcile runs one Operation and carries out what it
// asks for. Status is written with an ordinary update of the Workflow (no status subresource), carrying
// the resourceVersion it read, so a concurrent change (a user's shutdown patch) makes it read again.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Informer, WorkQueue, patchOptions } from '../../src/kube/index.ts';
import { operate } from './operation.ts';
import { PodRunner } from './podrunner.ts';
import { buildPod } from './pods.ts';
import { ANNOTATION_NODE_ID, GROUP, LABEL_COMPLETED, LABEL_INSTANCE_ID, LABEL_WORKFLOW, PLURAL, VERSION, nodeFulfilled, type Workflow } from './types.ts';

export interface ControllerOptions {
  kc: KubeConfig;
  nodeName: string;
  runner: PodRunner;
  instanceId?: string;
  log: (msg: string) => void;
}

const code = (err: unknown) => (err as { code?: number }).code;

function newer(a: Workflow | undefined, b: Workflow | undefined): Workflow | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.metadata.uid !== b.metadata.uid) return a;
  try {
    return BigInt(a.metadata.resourceVersion ?? '0') >= BigInt(b.metadata.resourceVersion ?? '0') ? a : b;
  } catch {
    return a;
  }
}

export class Controller {
  private readonly wfs: Informer<Workflow & { metadata: { name?: string } }>;
  private readonly pods: Informer<V1Pod>;
  private readonly queue: WorkQueue;
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;
  /** The last state this controller wrote, which may be ahead of the informer's cache. */
  private readonly written = new Map<string, Workflow>();

  constructor(private readonly o: ControllerOptions) {
    // controller-instanceid: with an ID, only objects carrying it; without, only objects carrying none.
    const selector = o.instanceId ? `${LABEL_INSTANCE_ID}=${o.instanceId}` : `!${LABEL_INSTANCE_ID}`;
    this.wfs = new Informer(o.kc, { path: `/apis/${GROUP}/${VERSION}/${PLURAL}`, labelSelector: selector, relistIntervalMs: 60_000 });
    this.pods = new Informer<V1Pod>(o.kc, { path: '/api/v1/pods', labelSelector: `${LABEL_WORKFLOW},${selector}`, relistIntervalMs: 60_000 });
    this.queue = new WorkQueue({ name: 'local-argo', workers: 4, baseDelayMs: 50, maxDelayMs: 5000 });
    this.core = o.kc.makeApiClient(CoreV1Api);
    this.custom = o.kc.makeApiClient(CustomObjectsApi);
  }

  async start(): Promise<void> {
    const wfKey = (w: Workflow) => `${w.metadata.namespace}/${w.metadata.name}`;
    this.wfs.addHandler({
      add: (w) => this.queue.add(wfKey(w)),
      update: (_, w) => this.queue.add(wfKey(w)),
      delete: (w) => {
        this.written.delete(wfKey(w));
        // Deleting a Workflow kills its processes at once; garbage collection removes the pods.
        for (const p of this.pods.store.list(w.metadata.namespace)) {
          if (p.metadata?.labels?.[LABEL_WORKFLOW] === w.metadata.name) this.o.runner.terminate(p);
        }
      },
    });
    const podWf = (p: V1Pod) => {
      const wf = p.metadata?.labels?.[LABEL_WORKFLOW];
      if (wf) this.queue.add(`${p.metadata!.namespace}/${wf}`);
    };
    this.pods.addHandler({
      add: (p) => {
        this.o.runner.observe(p);
        podWf(p);
      },
      update: (_, p) => {
        this.o.runner.observe(p);
        podWf(p);
      },
      delete: (p) => {
        this.o.runner.deleted(p);
        podWf(p);
      },
    });
    this.pods.start();
    this.wfs.start();
    await Promise.all([this.pods.waitForSync(60_000), this.wfs.waitForSync(60_000)]);
    this.queue.run((key) => this.reconcile(key));
  }

  async stop(): Promise<void> {
    await this.queue.shutDown();
    await Promise.all([this.wfs.stop(), this.pods.stop()]);
  }

  private async reconcile(key: string): Promise<{ requeueAfter?: number } | void> {
    const [ns, name] = key.split('/') as [string, string];
    const cached = this.wfs.store.get(ns, name);
    if (!cached) return;
    const wf = newer(cached, this.written.get(key))!;
    const pods = new Map<string, V1Pod>();
    for (const p of this.pods.store.list(ns)) {
      if (p.metadata?.labels?.[LABEL_WORKFLOW] !== name) continue;
      if (p.metadata.ownerReferences?.some((r) => r.uid !== wf.metadata.uid)) continue;
      const id = p.metadata.annotations?.[ANNOTATION_NODE_ID];
      if (id) pods.set(id, p);
    }
    const res = operate(wf, pods);

    for (const req of res.createPods) {
      const pod = buildPod(res.wf, req.node, req.podName, req.template, { nodeName: this.o.nodeName, instanceId: this.o.instanceId });
      try {
        await this.core.createNamespacedPod({ namespace: ns, body: pod });
      } catch (err) {
        if (code(err) !== 409) {
          this.o.log(`local argo: create pod ${ns}/${req.podName}: ${String(err)}`);
          throw err;
        }
      }
    }
    for (const podName of res.terminatePods) {
      const pod = [...pods.values()].find((p) => p.metadata?.name === podName);
      if (!pod) continue;
      // A pod whose container never started is deleted; a running one is stopped.
      if (!pod.status?.phase || pod.status.phase === 'Pending') await this.deletePod(ns, podName);
      else this.o.runner.terminate(pod);
    }
    // A completed node's pod is labelled completed=true (operator.go), as Argo does.
    for (const node of Object.values(res.wf.status?.nodes ?? {})) {
      const pod = node.type === 'Pod' && nodeFulfilled(node.phase) ? pods.get(node.id) : undefined;
      if (!pod || pod.metadata?.labels?.[LABEL_COMPLETED] === 'true' || res.deletePods.includes(pod.metadata!.name!)) continue;
      try {
        await this.core.patchNamespacedPod({ name: pod.metadata!.name!, namespace: ns, body: { metadata: { labels: { [LABEL_COMPLETED]: 'true' } } } }, patchOptions('merge'));
      } catch (err) {
        if (code(err) !== 404) throw err;
      }
    }
    for (const podName of res.deletePods) await this.deletePod(ns, podName);

    const before = JSON.stringify([wf.metadata.labels, wf.metadata.annotations, wf.status]);
    const after = JSON.stringify([res.wf.metadata.labels, res.wf.metadata.annotations, res.wf.status]);
    if (before !== after) {
      try {
        const updated = (await this.custom.replaceNamespacedCustomObject({
          group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name, body: res.wf,
        })) as Workflow;
        this.written.set(key, updated);
      } catch (err) {
        if (code(err) === 409) return { requeueAfter: 20 }; // read again and redo: every step is idempotent
        if (code(err) === 404) return;
        throw err;
      }
    }
    if (res.deleteWorkflow) {
      try {
        await this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace: ns, name });
      } catch (err) {
        if (code(err) !== 404) throw err;
      }
      return;
    }
    if (res.requeueAfterMs !== undefined) return { requeueAfter: Math.max(10, res.requeueAfterMs + 5) };
  }

  private async deletePod(ns: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace: ns });
    } catch (err) {
      if (code(err) !== 404) throw err;
    }
  }
}
