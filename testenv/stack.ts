// The local stack behind `npm run cluster:up`, `dev` and `demo`: the control plane with its fake
// kubelet, the local Argo, the project's own SQLFlowJob CRD, and the step runtime — its venv's
// `bin` first on every step's PATH (so the operator's default --step-command ["step","-e"] runs the
// real runtime) and its datasource (MariaDB where installed, else SQLite) loaded with the samples
// and stored in the Secret default/sqlflow-datasource, which jobs name as spec.datasource.
// With `dryRun` there is neither venv nor datasource: steps are meant to run testenv/drystep.
import { CoreV1Api } from '@kubernetes/client-node';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from './argo/index.ts';
import { startControlPlane, type ControlPlane } from './controlplane/index.ts';
import { startDatasource, type Datasource, type DatasourceKind } from './datasource.ts';
import { stepVenv, type StepVenv } from './stepvenv.ts';

const SQLFLOWJOB_CRD = fileURLToPath(new URL('../crds/sqlflow.org_sqlflowjobs.yaml', import.meta.url));

/** The Secret (in namespace default) that holds the datasource URL, as `--datasource-secret` names it. */
export const DATASOURCE_SECRET = { namespace: 'default', name: 'sqlflow-datasource', key: 'datasource' } as const;
export const DATASOURCE_SECRET_FLAG = `${DATASOURCE_SECRET.name}:${DATASOURCE_SECRET.key}`;

export interface LocalStack {
  controlPlane: ControlPlane;
  argo: LocalArgo;
  /** Undefined with dryRun. */
  venv: StepVenv | undefined;
  datasource: Datasource | undefined;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  dir: string;
  log: (m: string) => void;
  /** No step runtime: no venv, no datasource (the dry-run step needs neither). */
  dryRun?: boolean;
  /** Force the datasource kind (default: MariaDB when installed, else SQLite). */
  datasource?: DatasourceKind;
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  // The venv first: on a fresh machine it downloads for minutes, and nothing else needs to wait meanwhile.
  const venv = opts.dryRun ? undefined : await stepVenv(opts.log);
  const controlPlane = await startControlPlane({ dir: opts.dir, log: opts.log });
  let argo: LocalArgo | undefined;
  let datasource: Datasource | undefined;
  try {
    const kc = controlPlane.kubeConfig();
    await installWorkflowCrd(kc);
    const crd = await controlPlane.kubectl(['apply', '--server-side', '-f', SQLFLOWJOB_CRD]);
    if (crd.code !== 0) throw new Error(`installing ${SQLFLOWJOB_CRD}: ${crd.stderr}`);
    if (venv) {
      datasource = await startDatasource({ dir: opts.dir, venv, kind: opts.datasource, log: opts.log });
      await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
        namespace: DATASOURCE_SECRET.namespace,
        body: { metadata: { name: DATASOURCE_SECRET.name }, type: 'Opaque', stringData: { [DATASOURCE_SECRET.key]: datasource.url } },
      });
      opts.log(`datasource: ${datasource.kind}, in Secret ${DATASOURCE_SECRET.namespace}/${DATASOURCE_SECRET.name} key ${DATASOURCE_SECRET.key} (jobs: spec.datasource.secretKeyRef, CLI: --datasource-secret ${DATASOURCE_SECRET_FLAG})`);
    }
    argo = await startLocalArgo({ kc, kubelet: controlPlane.kubelet!, log: opts.log, extraPath: venv ? [venv.bin] : [] });
    opts.log(`local argo: running Workflows as local processes (testenv/argo/README.md)${venv ? `; steps find the step runtime first on PATH (${venv.bin})` : ''}`);
  } catch (err) {
    await datasource?.stop();
    await controlPlane.stop();
    throw err;
  }
  const a = argo;
  return {
    controlPlane,
    argo: a,
    venv,
    datasource,
    stop: async () => {
      await a.stop();
      await datasource?.stop();
      await controlPlane.stop();
    },
  };
}
