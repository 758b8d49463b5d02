// Building a KubeConfig.
//
// client-node's loadFromDefault() silently falls back to http://localhost:8080 when it finds nothing, which turns a
// missing mount into a confusing "connection refused" much later. loadKubeConfig() resolves the same sources in an
// explicit order and fails at start-up with a message naming what it tried.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// From its own module, not the index: see scripts/bundle-operator.mjs.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { shareConnections } from './pool.ts';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSource {
  /** Value of a `--kubeconfig` flag; wins over everything else. */
  kubeconfig?: string | undefined;
  /** Context to select instead of the file's current-context. */
  context?: string | undefined;
  /** Environment to read KUBECONFIG / KUBERNETES_SERVICE_HOST from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Service-account mount (tests point it elsewhere). */
  serviceAccountDir?: string;
  /** Home directory for ~/.kube/config; defaults to os.homedir(). */
  home?: string;
}

/** Where the config came from, for the start-up log line. */
export type KubeConfigOrigin = 'flag' | 'env' | 'in-cluster' | 'home';

/**
 * Order: --kubeconfig, then $KUBECONFIG (path-list, merged like kubectl), then in-cluster service account, then
 * ~/.kube/config. In-cluster comes before the home file because inside a pod a stray home file is never intended.
 */
export function loadKubeConfig(src: KubeConfigSource = {}): { kc: KubeConfig; origin: KubeConfigOrigin } {
  const env = src.env ?? process.env;
  const kc = new KubeConfig();
  let origin: KubeConfigOrigin;
  const saDir = src.serviceAccountDir ?? SA_DIR;
  const homeFile = path.join(src.home ?? os.homedir(), '.kube', 'config');

  if (src.kubeconfig) {
    if (!fs.existsSync(src.kubeconfig)) throw new Error(`--kubeconfig ${src.kubeconfig}: file does not exist`);
    kc.loadFromFile(src.kubeconfig);
    origin = 'flag';
  } else if (env.KUBECONFIG) {
    const files = env.KUBECONFIG.split(path.delimiter).filter((f) => f !== '');
    const first = files[0];
    if (first === undefined || !fs.existsSync(first)) {
      throw new Error(`KUBECONFIG=${env.KUBECONFIG}: first file does not exist`);
    }
    kc.loadFromFile(first);
    for (const f of files.slice(1)) {
      if (!fs.existsSync(f)) continue; // kubectl ignores missing later entries too
      const more = new KubeConfig();
      more.loadFromFile(f);
      // kubectl's rule is "first file wins" per name; client-node's mergeConfig throws on duplicates instead.
      for (const c of more.getClusters()) if (!kc.getCluster(c.name)) kc.addCluster(c);
      for (const u of more.getUsers()) if (!kc.getUser(u.name)) kc.addUser(u);
      for (const x of more.getContexts()) if (!kc.getContextObject(x.name)) kc.addContext(x);
    }
    origin = 'env';
  } else if (env.KUBERNETES_SERVICE_HOST && fs.existsSync(path.join(saDir, 'token'))) {
    // loadFromCluster reads KUBERNETES_SERVICE_HOST/PORT from process.env and takes a path prefix, not a directory.
    if (saDir !== SA_DIR) throw new Error('in-cluster config only supports the standard service-account mount');
    kc.loadFromCluster();
    origin = 'in-cluster';
  } else if (fs.existsSync(homeFile)) {
    kc.loadFromFile(homeFile);
    origin = 'home';
  } else {
    throw new Error(
      'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, run in a pod with a service account, ' +
        `or create ${homeFile}`,
    );
  }
  if (src.context) {
    if (!kc.getContextObject(src.context)) throw new Error(`context ${src.context} not found in kubeconfig`);
    kc.setCurrentContext(src.context);
  }
  if (!kc.getCurrentCluster()) throw new Error('kubeconfig has no current cluster (check current-context)');
  return { kc: shareConnections(kc), origin };
}

/** The namespace the process runs in: the service-account namespace file, else POD_NAMESPACE, else the
 *  kubeconfig context's namespace, else 'default'. Used for the leader-election Lease and events. */
export function currentNamespace(kc: KubeConfig, env: NodeJS.ProcessEnv = process.env): string {
  try {
    const ns = fs.readFileSync(path.join(SA_DIR, 'namespace'), 'utf8').trim();
    if (ns) return ns;
  } catch {
    // not in a pod
  }
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace || 'default';
}
