// The local Argo: an Argo Workflows stand-in that really runs steps, as local processes, for the tests
// and the local stack. Never imported by src/. See README.md for what it does and does not do.
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import type { LogStore } from '../kubelet/logstore.ts';
import { Controller } from './controller.ts';
import { PodRunner } from './podrunner.ts';

export { installWorkflowCrd, WORKFLOW_CRD_NAME, WORKFLOW_CRD_PATH } from './crd.ts';
export { fnv1a32, nodeId, podName } from './names.ts';
export { evaluateDepends, resolvedDepends } from './depends.ts';
export { expand, mappingFor } from './expand.ts';
export type { Workflow, NodeStatus, WorkflowStatus } from './types.ts';

/** Folder with the `cowsay` shim that every step finds first on its PATH. */
export const SHIM_DIR = fileURLToPath(new URL('./bin', import.meta.url));

export interface LocalArgoOptions {
  kc: KubeConfig;
  /** The fake kubelet: pods are bound to its node and their output goes to its log store. */
  kubelet: { nodeName: string; logs: LogStore };
  /** Argo's controller instance ID: only objects labelled workflows.argoproj.io/controller-instanceid=<id>. */
  instanceId?: string;
  /** Folders put on every step's PATH after the cowsay shim and before the host's PATH (the step runtime's venv). */
  extraPath?: string[];
  log?: (msg: string) => void;
}

export interface LocalArgo {
  stop(): Promise<void>;
}

/** Starts the controller; resolves once its caches are filled. Install the CRD first (installWorkflowCrd). */
export async function startLocalArgo(opts: LocalArgoOptions): Promise<LocalArgo> {
  const log = opts.log ?? (() => {});
  const runner = new PodRunner({ kc: opts.kc, nodeName: opts.kubelet.nodeName, logs: opts.kubelet.logs, extraPath: [SHIM_DIR, ...(opts.extraPath ?? [])], log });
  const controller = new Controller({ kc: opts.kc, nodeName: opts.kubelet.nodeName, runner, instanceId: opts.instanceId, log });
  await controller.start();
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        await controller.stop();
        await runner.close();
      })()),
  };
}
