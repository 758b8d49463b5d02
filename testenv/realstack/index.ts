// The whole real stack on this machine, as users would run it: the real node (testenv/node), real
// Argo Workflows installed from its own manifests (argo.ts), the operator installed from its image
// with `kubectl apply -k` over config/default (operator.ts), and MariaDB for the step image
// (datasource.ts). `npm run cluster:up -- --node=real` and the e2e tier start it. The images are
// built (or found cached) before the node starts, so a long cold build never holds the machine lock.
// Never imported by src/.
import { ensureImages, type Image } from '../images/index.ts';
import { BUSYBOX_IMAGE, startRealNode, type RealNode } from '../node/index.ts';
import { installArgo } from './argo.ts';
import { startNodeDatasource, type NodeDatasource } from './datasource.ts';
import { installOperatorImage } from './operator.ts';

export { ARGO_NAMESPACE } from './argo.ts';
export { DATASOURCE_SECRET } from './datasource.ts';
export { OPERATOR_DEPLOYMENT } from './operator.ts';

export interface RealStack {
  node: RealNode;
  kubeconfig: string;
  /** The operator's API through its Service (ClusterIP, reachable from this machine). */
  apiUrl: string;
  metricsUrl: string;
  operatorImage: string;
  stepImage: string;
  datasource: NodeDatasource;
  /** Seconds each phase of the start took, in order. */
  phases: Array<[phase: string, seconds: number]>;
  /** Stops everything and restores the machine; returns what still differs from before (empty: as found). */
  stop(): Promise<string[]>;
}

export interface RealStackOptions {
  log?: (m: string) => void;
  /** Namespaces jobs run in: executor RBAC and the datasource Secret go there (default: default). */
  namespaces?: string[];
  /** Load the sample tables into MariaDB (default true). */
  samples?: boolean;
}

function pick(images: Image[], name: Image['name']): Image {
  const i = images.find((x) => x.name === name);
  if (!i) throw new Error(`testenv/images built no ${name} image`);
  return i;
}

export async function startRealStack(opts: RealStackOptions = {}): Promise<RealStack> {
  const log = opts.log ?? (() => {});
  const namespaces = opts.namespaces ?? ['default'];
  const phases: RealStack['phases'] = [];
  let t = Date.now();
  const phase = (name: string) => {
    const now = Date.now();
    phases.push([name, (now - t) / 1000]);
    log(`real stack: ${name} took ${((now - t) / 1000).toFixed(1)}s`);
    t = now;
  };
  const built = await ensureImages(log);
  phase('images');
  const node = await startRealNode({ log });
  phase('node');
  let datasource: NodeDatasource | undefined;
  try {
    await node.importImages(built.images.map((i) => i.archive));
    // Argo's examples and plain workflows say `image: busybox`.
    await node.tagImage(BUSYBOX_IMAGE, 'docker.io/library/busybox:latest');
    phase('image import');
    await installArgo(node, built.argo, namespaces, log);
    phase('argo');
    const operatorImage = pick(built.images, 'operator').ref;
    const stepImage = pick(built.images, 'step').ref;
    const op = await installOperatorImage(node, { operator: operatorImage, step: stepImage }, log);
    phase('operator');
    datasource = await startNodeDatasource(node, namespaces, { stepImage, samples: opts.samples ?? true, log });
    phase('mariadb');
    const ds = datasource;
    return {
      node, kubeconfig: node.controlPlane.kubeconfigPath, apiUrl: op.apiUrl, metricsUrl: op.metricsUrl, operatorImage, stepImage, datasource: ds, phases,
      stop: async () => {
        await ds.stop();
        return node.stop();
      },
    };
  } catch (err) {
    await datasource?.stop();
    const left = await node.stop().catch((e: Error) => [`stopping failed: ${e.message}`]);
    if (left.length) log(`real stack: after the failed start the machine still differs:\n  ${left.join('\n  ')}`);
    throw err;
  }
}
