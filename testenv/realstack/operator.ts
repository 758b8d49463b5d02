// The operator on the real node, installed as users install it: `kubectl apply --server-side -k` on an
// overlay that lists the repo's config/default unchanged and only points it at the locally built images
// (the operator's, with imagePullPolicy Never since there is no registry, and the step image by
// --step-image). Two replicas, leader election, probes and least-privilege RBAC come as shipped.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { OPERATOR_NAMESPACE, ROOT } from '../operator.ts';
import type { RealNode } from '../node/index.ts';

export const OPERATOR_DEPLOYMENT = 'sqlflow-operator';
/** The image config/default names (its own `images:` entry), which the overlay renames. */
const SHIPPED_IMAGE = 'sqlflow/sqlflow-operator';

function overlay(base: string, operatorRef: string, stepRef: string): string {
  const [name, tag] = splitRef(operatorRef);
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ${base}
images:
- name: ${SHIPPED_IMAGE}
  newName: ${name}
  newTag: "${tag}"
patches:
- target: {kind: Deployment, name: ${OPERATOR_DEPLOYMENT}}
  patch: |
    - {op: replace, path: /spec/template/spec/containers/0/imagePullPolicy, value: Never}
    - {op: add, path: /spec/template/spec/containers/0/args/-, value: "--step-image=${stepRef}"}
`;
}

function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  if (i <= ref.lastIndexOf('/')) throw new Error(`image reference ${ref} has no tag`);
  return [ref.slice(0, i), ref.slice(i + 1)];
}

export interface InstalledOperator {
  /** The API through the operator's Service (its ClusterIP, reached from this machine through kube-proxy's rules). */
  apiUrl: string;
  metricsUrl: string;
}

async function kubectl(node: RealNode, args: string[]): Promise<string> {
  const r = await node.controlPlane.kubectl(args);
  if (r.code !== 0) throw new Error(`installing the operator: kubectl ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Applies the overlay and waits until both replicas are Ready and the Service answers from this machine. */
export async function installOperatorImage(node: RealNode, images: { operator: string; step: string }, log: (m: string) => void): Promise<InstalledOperator> {
  const work = await mkdtemp(join(tmpdir(), 'sqlflow-operator-install-'));
  try {
    // kustomize takes another kustomization folder by relative path (an overlay of a base elsewhere).
    await writeFile(join(work, 'kustomization.yaml'), overlay(relative(work, join(ROOT, 'config', 'default')), images.operator, images.step));
    await kubectl(node, ['apply', '--server-side', '-k', work]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await kubectl(node, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/sqlflowjobs.sqlflow.org']);
  await kubectl(node, ['-n', OPERATOR_NAMESPACE, 'rollout', 'status', `deployment/${OPERATOR_DEPLOYMENT}`, '--timeout=300s']);
  await kubectl(node, ['-n', OPERATOR_NAMESPACE, 'wait', '--for=condition=Ready', 'pod', '-l', 'app.kubernetes.io/name=sqlflow-operator', '--timeout=120s']);
  const ip = (await kubectl(node, ['-n', OPERATOR_NAMESPACE, 'get', 'service', OPERATOR_DEPLOYMENT, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const metricsUrl = `http://${ip}:8080/metrics`;
  // The Service's EndpointSlice and kube-proxy's rules follow the pods' readiness by a moment.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) }).catch((e: Error) => e);
    if (!(r instanceof Error) && r.status === 200) break;
    if (Date.now() > deadline) throw new Error(`the operator's Service ${OPERATOR_NAMESPACE}/${OPERATOR_DEPLOYMENT} (${metricsUrl}) did not answer from this machine within 60 s: ${r instanceof Error ? r.message : `HTTP ${r.status}`}`);
    await new Promise((ok) => setTimeout(ok, 300));
  }
  log(`real stack: operator ${images.operator} Ready (2 replicas, leader election), API http://${ip}:8443 through its Service`);
  return { apiUrl: `http://${ip}:8443`, metricsUrl };
}
