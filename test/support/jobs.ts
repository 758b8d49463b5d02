// Small helpers for tests that create SQLFlowJobs and wait on them (as admin).
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { SQLFlowJob } from '../../src/api/job.ts';
import { until } from './http.ts';
import { patchOptions } from '../../src/kube/patch.ts';

const JOBS = { group: 'sqlflow.org', version: 'v1alpha1', plural: 'sqlflowjobs' };
const WFS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' };

export class Jobs {
  readonly api: CustomObjectsApi;
  constructor(kc: KubeConfig, readonly namespace = 'default') {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  create(name: string, spec: SQLFlowJob['spec']): Promise<SQLFlowJob> {
    return this.api.createNamespacedCustomObject({ ...JOBS, namespace: this.namespace, body: { apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name }, spec } }) as Promise<SQLFlowJob>;
  }

  get(name: string): Promise<SQLFlowJob> {
    return this.api.getNamespacedCustomObject({ ...JOBS, namespace: this.namespace, name }) as Promise<SQLFlowJob>;
  }

  async exists(name: string): Promise<boolean> {
    try {
      await this.get(name);
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 404) return false;
      throw e;
    }
  }

  /** Waits until `pred` holds for the job; the error shows the last status seen. */
  async waitFor(name: string, what: string, pred: (j: SQLFlowJob) => boolean, timeoutMs = 60_000): Promise<SQLFlowJob> {
    let last: SQLFlowJob | undefined;
    try {
      return await until(`${name}: ${what}`, async () => {
        last = await this.get(name);
        return pred(last) ? last : undefined;
      }, timeoutMs, 100);
    } catch (e) {
      throw new Error(`${String(e)}\nlast status: ${JSON.stringify(last?.status, null, 1)}`);
    }
  }

  phase(name: string, phase: string, timeoutMs?: number): Promise<SQLFlowJob> {
    return this.waitFor(name, `phase ${phase}`, (j) => j.status?.phase === phase, timeoutMs);
  }

  patchSpec(name: string, spec: Partial<SQLFlowJob['spec']>): Promise<unknown> {
    return this.api.patchNamespacedCustomObject({ ...JOBS, namespace: this.namespace, name, body: { spec } }, patchOptions('merge'));
  }

  delete(name: string): Promise<unknown> {
    return this.api.deleteNamespacedCustomObject({ ...JOBS, namespace: this.namespace, name });
  }

  async workflows(labelSelector?: string): Promise<{ metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[] }; status?: { phase?: string } }[]> {
    const list = (await this.api.listNamespacedCustomObject({ ...WFS, namespace: this.namespace, ...(labelSelector ? { labelSelector } : {}) })) as { items: never[] };
    return list.items;
  }

  deleteWorkflow(name: string): Promise<unknown> {
    return this.api.deleteNamespacedCustomObject({ ...WFS, namespace: this.namespace, name });
  }
}
