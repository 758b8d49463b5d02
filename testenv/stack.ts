// The local stack behind `npm run cluster:up`: the control plane with its fake
// kubelet, plus the stand-ins that later layers add (the local Argo).
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from './argo/index.ts';
import { startControlPlane, type ControlPlane } from './controlplane/index.ts';

export interface LocalStack {
  controlPlane: ControlPlane;
  argo: LocalArgo;
  stop(): Promise<void>;
}

export async function startLocalStack(opts: { dir: string; log: (m: string) => void }): Promise<LocalStack> {
  const controlPlane = await startControlPlane({ dir: opts.dir, log: opts.log });
  let argo: LocalArgo;
  try {
    const kc = controlPlane.kubeConfig();
    await installWorkflowCrd(kc);
    argo = await startLocalArgo({ kc, kubelet: controlPlane.kubelet!, log: opts.log });
    opts.log('local argo: running Workflows as local processes (testenv/argo/README.md)');
  } catch (err) {
    await controlPlane.stop();
    throw err;
  }
  return {
    controlPlane,
    argo,
    stop: async () => {
      await argo.stop();
      await controlPlane.stop();
    },
  };
}
