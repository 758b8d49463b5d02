// The step image's database on the real node: the stack's MariaDB (testenv/mariadb.ts) listening on
// the node's own address — which pods reach as local delivery, and which the egress guard keeps off
// every other interface (its port joins the guard's set before the server listens) — with the user
// allowed from the pod network and the node. Jobs get its URL from the Secret `sqlflow-datasource`
// (key `datasource`, as config/samples/datasource_secret.yaml) in each jobs' namespace. The samples
// (iris, …) are loaded by a pod of the step image (`python -m sqlflow_step.samples`), so the first
// connection from a pod is checked before any job runs.
import { CoreV1Api } from '@kubernetes/client-node';
import { startMariadb, type Mariadb } from '../mariadb.ts';
import { POD_CIDR, type RealNode } from '../node/index.ts';

export const DATASOURCE_SECRET = { name: 'sqlflow-datasource', key: 'datasource' } as const;

/** MariaDB's host pattern for a CIDR: address/netmask. */
function hostPattern(cidr: string): string {
  const [base, bits] = cidr.split('/') as [string, string];
  const mask = (0xffffffff << (32 - Number(bits))) >>> 0;
  return `${base}/${[24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.')}`;
}

export interface NodeDatasource {
  db: Mariadb;
  /** The URL pods use (holds the password: it lives in the Secret, never in a spec or an argument). */
  url: string;
  stop(): Promise<void>;
}

export async function startNodeDatasource(node: RealNode, namespaces: string[], o: { stepImage: string; samples: boolean; log: (m: string) => void }): Promise<NodeDatasource> {
  const db = await startMariadb({
    address: node.address, clients: [hostPattern(POD_CIDR), node.address], log: o.log,
    beforeListen: (port) => node.guardPorts([port]),
  });
  try {
    const core = node.controlPlane.kubeConfig().makeApiClient(CoreV1Api);
    for (const namespace of namespaces) {
      await core.createNamespacedSecret({ namespace, body: { metadata: { name: DATASOURCE_SECRET.name }, type: 'Opaque', stringData: { [DATASOURCE_SECRET.key]: db.url } } });
    }
    if (o.samples) await loadSamplesInPod(node, namespaces[0]!, o.stepImage, o.log);
  } catch (err) {
    await db.stop();
    throw err;
  }
  o.log(`real stack: MariaDB on ${node.address}:${db.port} for pods; Secret ${DATASOURCE_SECRET.name} (key ${DATASOURCE_SECRET.key}) in ${namespaces.join(', ')}`);
  return { db, url: db.url, stop: db.stop };
}

async function loadSamplesInPod(node: RealNode, namespace: string, image: string, log: (m: string) => void): Promise<void> {
  const core = node.controlPlane.kubeConfig().makeApiClient(CoreV1Api);
  const name = 'sqlflow-load-samples';
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        restartPolicy: 'Never',
        containers: [{
          name: 'samples', image, imagePullPolicy: 'Never', command: ['python', '-m', 'sqlflow_step.samples'],
          env: [{ name: 'SQLFLOW_DATASOURCE', valueFrom: { secretKeyRef: { name: DATASOURCE_SECRET.name, key: DATASOURCE_SECRET.key } } }],
        }],
      },
    },
  });
  const deadline = Date.now() + 300_000;
  let phase: string | undefined;
  while (Date.now() < deadline) {
    phase = (await core.readNamespacedPod({ namespace, name })).status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const out = await core.readNamespacedPodLog({ namespace, name, container: 'samples' }).catch((e: Error) => `(no log: ${e.message})`);
  if (phase !== 'Succeeded') throw new Error(`loading the samples into MariaDB from pod ${namespace}/${name} (${image}) ended ${phase ?? 'not at all within 300 s'}:\n${String(out).trim().split('\n').slice(-10).join('\n')}`);
  await core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });
  log('real stack: samples loaded into MariaDB from a pod of the step image');
}
