// Real Argo Workflows on the real node, installed as users install it: `kubectl apply --server-side -k`
// on an overlay of the module's own manifests (the CRDs, the workflow-controller Deployment and its
// cluster RBAC), with the image renamed to the locally built one and the controller told to use the
// local argoexec. The executor Role (workflowtaskresults create/patch, the upstream quick-start's) is
// bound to the ServiceAccount `default` of each namespace workflows run in: without it the wait
// container cannot report and every workflow ends in Error. Test bed only (v4.0.5 has reported
// security flaws and is never shipped).
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArgoBuild } from '../images/argo.ts';
import type { RealNode } from '../node/index.ts';

export const ARGO_NAMESPACE = 'argo';

function overlay(version: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${ARGO_NAMESPACE}
resources:
- namespace.yaml
- manifests/base/crds/minimal
- manifests/base/workflow-controller
- manifests/cluster-install-no-crds/workflow-controller-rbac
images:
- name: quay.io/argoproj/workflow-controller
  newName: docker.io/local/workflow-controller
  newTag: ${version}
patches:
- target: {kind: Deployment, name: workflow-controller}
  patch: |
    - {op: add, path: /spec/template/spec/containers/0/imagePullPolicy, value: Never}
    - {op: add, path: /spec/template/spec/containers/0/args, value: [--executor-image, docker.io/local/argoexec:${version}, --executor-image-pull-policy, Never]}
    - {op: add, path: /spec/template/spec/containers/0/env/-, value: {name: LEADER_ELECTION_DISABLE, value: "true"}}
    - {op: add, path: /spec/template/spec/containers/0/env/-, value: {name: DEFAULT_REQUEUE_TIME, value: 1s}}
- target: {kind: ConfigMap, name: workflow-controller-configmap}
  patch: |
    - {op: add, path: /data, value: {mainContainer: "imagePullPolicy: Never\\n"}}
`;
}
// LEADER_ELECTION_DISABLE: one replica. DEFAULT_REQUEUE_TIME=1s: the default 10 s makes every step
// wait up to 10 s for the controller's next look (workflow/controller/rate_limiters.go); 1 s keeps the
// tier's minutes down without changing what the controller does. mainContainer imagePullPolicy Never:
// workflows that name an image without a policy (Argo's examples, `busybox`) use the imported one.

/** The executor's Role and its binding to SA `default` in `namespace`. */
export function executorRbac(namespace: string): string {
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: argo-executor, namespace: ${namespace}}
rules:
- apiGroups: [argoproj.io]
  resources: [workflowtaskresults]
  verbs: [create, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: argo-executor-default, namespace: ${namespace}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: argo-executor}
subjects:
- {kind: ServiceAccount, name: default, namespace: ${namespace}}
`;
}

async function kubectl(node: RealNode, args: string[], input?: string): Promise<string> {
  const r = await node.controlPlane.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`installing Argo: kubectl ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * Installs Argo from `argo` (its build: binaries' images must already be imported into the node) and
 * waits until the controller's Deployment is Available. `namespaces`: where workflows will run.
 */
export async function installArgo(node: RealNode, argo: ArgoBuild, namespaces: string[], log: (m: string) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'sqlflow-argo-install-'));
  try {
    // A copy: kustomize loads only files under the overlay's root.
    await cp(join(argo.dir, 'manifests'), join(work, 'manifests'), { recursive: true });
    await writeFile(join(work, 'namespace.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ARGO_NAMESPACE}}\n`);
    await writeFile(join(work, 'kustomization.yaml'), overlay(argo.version));
    await kubectl(node, ['apply', '--server-side', '-k', work]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await kubectl(node, ['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
  for (const ns of namespaces) await kubectl(node, ['apply', '--server-side', '-f', '-'], executorRbac(ns));
  await kubectl(node, ['-n', ARGO_NAMESPACE, 'wait', '--for=condition=Available', 'deployment/workflow-controller', '--timeout=180s']);
  log(`real stack: Argo ${argo.version} workflow-controller Available in namespace ${ARGO_NAMESPACE} (executor RBAC in ${namespaces.join(', ')})`);
}
