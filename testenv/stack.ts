// The local stack behind `npm run cluster:up`: the control plane with its fake kubelet,
// the local Argo, and the project's own SQLFlowJob CRD, so the operator can be started
// against it by hand (`npm run -s operator`).
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from './argo/index.ts';
import { startControlPlane, type ControlPlane } from './controlplane/index.ts';
import { fileURLToPath } from 'node:url';

const SQLFLOWJOB_CRD = fileURLToPath(new URL('../crds/sqlflow.org_sqlflowjobs.yaml', import.meta.url));

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
    const crd = await controlPlane.kubectl(['apply', '--server-side', '-f', SQLFLOWJOB_CRD]);
    if (crd.code !== 0) throw new Error(`installing ${SQLFLOWJOB_CRD}: ${crd.stderr}`);
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
