// The kustomize install (config/default) and the samples, on a real control plane:
// rendered with kubectl's kustomize, server-side dry-run applied, then applied for real —
// pods admitted under the `restricted` Pod Security Standard, and namespace users given
// SQLFlowJob rights through the built-in edit/view roles.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { startProcess, stopProcess, type Managed } from '../../testenv/controlplane/processes.ts';
import { ROOT } from '../../testenv/operator.ts';
import { until } from '../support/http.ts';

let cp: ControlPlane;
let workloads: Managed;
const DEFAULT = join(ROOT, 'config', 'default');
const SAMPLES = join(ROOT, 'config', 'samples');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
}

before(async () => {
  cp = await startControlPlane({ kubelet: false });
  // The shared control plane runs only the garbage, namespace and ServiceAccount controllers.
  // This test also needs Deployments to make pods and ClusterRole aggregation: a second
  // kube-controller-manager with just those (the pods stay Pending: there is no scheduler).
  workloads = await startProcess(cp.dir, 'kube-controller-manager-workloads', cp.binaries['kube-controller-manager'], [
    `--kubeconfig=${cp.kubeconfigPath}`, '--controllers=deployment-controller,replicaset-controller,clusterrole-aggregation-controller',
    '--leader-elect=false', '--use-service-account-credentials=false', '--secure-port=0',
  ]);
});
after(async () => {
  if (workloads) await stopProcess(workloads);
  await cp?.stop();
});

async function kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  const r = await cp.kubectl(args, input === undefined ? {} : { input });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}:\n${r.stderr}`);
  return r;
}

const docs = (yaml: string): Obj[] => parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
const toYaml = (objs: Obj[]): string => objs.map((o) => JSON.stringify(o)).join('\n---\n');

describe('config/default', () => {
  let rendered: Obj[];

  it('renders with kustomize: namespace, CRD, RBAC, Deployment, Service, PDB, all in sqlflow-system', async () => {
    rendered = docs((await kubectl(['kustomize', DEFAULT])).stdout);
    const kinds = rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      'ClusterRole/sqlflow-operator', 'ClusterRole/sqlflowjob-editor', 'ClusterRole/sqlflowjob-viewer', 'ClusterRoleBinding/sqlflow-operator',
      'CustomResourceDefinition/sqlflowjobs.sqlflow.org', 'Deployment/sqlflow-operator', 'Namespace/sqlflow-system',
      'PodDisruptionBudget/sqlflow-operator', 'Role/sqlflow-operator-leader-election', 'RoleBinding/sqlflow-operator-leader-election',
      'Service/sqlflow-operator', 'ServiceAccount/sqlflow-operator',
    ]);
    for (const o of rendered) {
      const clusterScoped = ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind);
      assert.equal(o.metadata.namespace, clusterScoped ? undefined : 'sqlflow-system', `${o.kind}/${o.metadata.name}`);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], 'sqlflow-operator', `${o.kind}/${o.metadata.name} label`);
    }
    // The CRD is the one in crds/, unchanged but for the common label.
    const crd = rendered.find((o) => o.kind === 'CustomResourceDefinition')!;
    const source = docs((await kubectl(['kustomize', join(ROOT, 'crds')])).stdout)[0]!;
    assert.deepEqual({ ...crd, metadata: { ...crd.metadata, labels: undefined } }, { ...source, metadata: { ...source.metadata, labels: undefined } });
  });

  it('runs two replicas with leader election, downward-API identity, probes and a restricted security context', () => {
    const dep = rendered.find((o) => o.kind === 'Deployment') as Obj & { spec: any };
    assert.equal(dep.spec.replicas, 2);
    const pod = dep.spec.template.spec;
    assert.equal(pod.serviceAccountName, 'sqlflow-operator');
    assert.equal(pod.automountServiceAccountToken, true);
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const [c] = pod.containers;
    assert.equal(c.image, 'sqlflow/sqlflow-operator:0.1.0', 'the image comes from images: in config/default');
    assert.deepEqual(c.args, ['--leader-elect']);
    assert.deepEqual(c.env.map((e: any) => [e.name, e.valueFrom.fieldRef.fieldPath]), [['POD_NAMESPACE', 'metadata.namespace'], ['POD_NAME', 'metadata.name']]);
    assert.deepEqual(c.ports.map((p: any) => [p.name, p.containerPort]), [['metrics', 8080], ['health', 8081], ['grpc', 8443]]);
    assert.deepEqual([c.livenessProbe.httpGet, c.readinessProbe.httpGet], [{ path: '/healthz', port: 'health' }, { path: '/readyz', port: 'health' }]);
    assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    const svc = rendered.find((o) => o.kind === 'Service') as Obj & { spec: any };
    assert.deepEqual(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.appProtocol]), [['grpc', 8443, 'grpc', 'kubernetes.io/h2c'], ['metrics', 8080, 'metrics', 'http']]);
    assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
  });

  it('a server-side dry run of everything succeeds once the Namespace and CRD exist, with no warning', async () => {
    // A dry run creates nothing, so on an empty cluster every namespaced object is refused
    // ("namespaces sqlflow-system not found"): shown first, so this test notices if that changes.
    const cold = await cp.kubectl(['apply', '--server-side', '--dry-run=server', '-k', DEFAULT]);
    assert.notEqual(cold.code, 0);
    assert.match(cold.stderr, /namespaces "sqlflow-system" not found/);
    // The honest order, as any apply runs it: cluster-scoped prerequisites (Namespace, CRD) for
    // real, then the whole rendering, every object checked by the apiserver's validation and
    // admission (Pod Security warnings included) without being stored.
    const prereqs = rendered.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition');
    await kubectl(['apply', '--server-side', '-f', '-'], toYaml(prereqs));
    await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sqlflowjobs.sqlflow.org']);
    const dry = await kubectl(['apply', '--server-side', '--dry-run=server', '-k', DEFAULT]);
    assert.equal(dry.stderr, '', 'no warnings (a pod template breaking the restricted standard would warn here)');
    assert.equal(dry.stdout.trim().split('\n').length, rendered.length);
    assert.ok(dry.stdout.split('\n').filter(Boolean).every((l) => l.endsWith('(server dry run)')), dry.stdout);
    assert.equal((await cp.kubectl(['get', 'deployment', '-n', 'sqlflow-system', 'sqlflow-operator'])).code, 1, 'nothing was created');
  });

  it('applies for real: its two pods are admitted under the restricted Pod Security Standard', async () => {
    const r = await kubectl(['apply', '--server-side', '-k', DEFAULT]);
    assert.equal(r.stderr, '');
    // The ReplicaSet controller creates the pods (no scheduler here: they stay Pending); a pod
    // refused by Pod Security admission would show as a FailedCreate event instead.
    const pods = await until('2 operator pods', async () => {
      const out = await kubectl(['get', 'pods', '-n', 'sqlflow-system', '-l', 'app.kubernetes.io/name=sqlflow-operator', '-o', 'name']);
      const names = out.stdout.split('\n').filter(Boolean);
      if (names.length === 2) return names;
      const ev = await kubectl(['get', 'events', '-n', 'sqlflow-system', '--field-selector', 'reason=FailedCreate', '-o', 'jsonpath={.items[*].message}']);
      assert.equal(ev.stdout, '', 'pod creation refused');
      return undefined;
    }, 60_000, 300);
    assert.equal(pods.length, 2);
  });

  it('gives users with edit/admin in a namespace SQLFlowJob write access, and view read access', async () => {
    await kubectl(['create', 'namespace', 'team-a']);
    await kubectl(['create', 'rolebinding', 'alice-edit', '--clusterrole=edit', '--user=alice', '-n', 'team-a']);
    await kubectl(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team-a']);
    await kubectl(['create', 'rolebinding', 'carol-admin', '--clusterrole=admin', '--user=carol', '-n', 'team-a']);
    const can = async (user: string, verb: string, ns = 'team-a') =>
      (await cp.kubectl(['auth', 'can-i', verb, 'sqlflowjobs.sqlflow.org', '-n', ns, `--as=${user}`])).stdout.trim();
    // The clusterrole-aggregation controller folds the labelled roles in shortly after they appear.
    await until('aggregated into edit/view/admin', async () => (await can('alice', 'create')) === 'yes' && (await can('bob', 'list')) === 'yes' && (await can('carol', 'delete')) === 'yes', 30_000, 300);
    for (const verb of ['get', 'list', 'watch', 'create', 'patch', 'delete']) assert.equal(await can('alice', verb), 'yes', `alice ${verb}`);
    for (const verb of ['get', 'list', 'watch']) assert.equal(await can('bob', verb), 'yes', `bob ${verb}`);
    for (const verb of ['create', 'patch', 'delete']) assert.equal(await can('bob', verb), 'no', `bob ${verb}`);
    assert.equal(await can('alice', 'list', 'default'), 'no', 'only in the namespace bound');
  });
});

describe('config/default on an empty cluster', () => {
  it('installs with one `kubectl apply --server-side -k` (Namespace and CRD come first)', async () => {
    const fresh = await startControlPlane({ kubelet: false, controllerManager: false });
    try {
      const r = await fresh.kubectl(['apply', '--server-side', '-k', DEFAULT]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const applied = r.stdout.trim().split('\n');
      assert.match(applied[0]!, /^namespace\/sqlflow-system serverside-applied$/);
      assert.match(applied[1]!, /^customresourcedefinition\.apiextensions\.k8s\.io\/sqlflowjobs\.sqlflow\.org serverside-applied$/);
      assert.equal(applied.length, 12);
    } finally {
      await fresh.stop();
    }
  });
});

describe('config/samples', () => {
  it('validate against the CRD by server-side dry run, in any namespace', async () => {
    await kubectl(['create', 'namespace', 'samples']);
    const rendered = docs((await kubectl(['kustomize', SAMPLES])).stdout);
    assert.deepEqual(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort(), ['SQLFlowJob/hello-steps', 'SQLFlowJob/iris-dnn', 'Secret/sqlflow-datasource']);
    const r = await kubectl(['apply', '--server-side', '--dry-run=server', '-n', 'samples', '-k', SAMPLES]);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /sqlflowjob\.sqlflow\.org\/iris-dnn serverside-applied \(server dry run\)/);
    assert.match(r.stdout, /sqlflowjob\.sqlflow\.org\/hello-steps serverside-applied \(server dry run\)/);
    // And each file on its own, as a user applies one with -f.
    for (const f of ['sqlflow_v1alpha1_sqlflowjob.yaml', 'sqlflow_v1alpha1_sqlflowjob_workflow.yaml']) {
      await kubectl(['apply', '--server-side', '--dry-run=server', '-n', 'samples', '-f', join(SAMPLES, f)]);
    }
  });
});
