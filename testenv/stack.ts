// The local stack behind `npm run cluster:up`: the control plane with its fake
// kubelet, plus the stand-ins that later layers add (the local Argo).
import { startControlPlane, type ControlPlane } from './controlplane/index.ts';

export interface LocalStack {
  controlPlane: ControlPlane;
  stop(): Promise<void>;
}

export async function startLocalStack(opts: { dir: string; log: (m: string) => void }): Promise<LocalStack> {
  const controlPlane = await startControlPlane({ dir: opts.dir, log: opts.log });
  return {
    controlPlane,
    stop: async () => {
      await controlPlane.stop();
    },
  };
}
