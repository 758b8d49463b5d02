// The real control plane the project develops against: CRDs and watches, pod logs
// through the fake kubelet, garbage collection and RBAC, all on the real binaries.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, Watch, KubeConfig, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../testenv/controlplane/index.ts';
import { raw, open, until } from './support/http.ts';

let cp: ControlPlane;
let kc: KubeConfig;

before(async () => {
  cp = await startControlPlane();
  kc = cp.kubeConfig();
});
after(async () => {
  await cp?.stop();
});

const widgetCrd: V1CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.test.sqlflow.org' },
  spec: {
    group: 'test.sqlflow.org',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
  },
};

describe('control plane', () => {
  it('reports version v1.37.2', async () => {
    const r = await raw(kc, 'GET', '/version');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).gitVersion, 'v1.37.2');
  });

  it('serves a CRD: create, get, watch, and 410 Gone forces a relist', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: widgetCrd });
    await until('CRD established', async () => {
      const crd = await ext.readCustomResourceDefinition({ name: widgetCrd.metadata!.name! });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const co = kc.makeApiClient(CustomObjectsApi);
    const ref = { group: 'test.sqlflow.org', version: 'v1', namespace: 'default', plural: 'widgets' };
    await until('widget creatable', () => co.createNamespacedCustomObject({ ...ref, body: { apiVersion: 'test.sqlflow.org/v1', kind: 'Widget', metadata: { name: 'a' }, spec: { size: 1 } } }));
    const got = await co.getNamespacedCustomObject({ ...ref, name: 'a' }) as { spec: { size: number } };
    assert.equal(got.spec.size, 1);

    // A watch from the current resourceVersion sees the next change.
    const list = await co.listNamespacedCustomObject(ref) as { metadata: { resourceVersion: string } };
    const watch = new Watch(kc);
    const seen: string[] = [];
    const ac = await watch.watch('/apis/test.sqlflow.org/v1/namespaces/default/widgets', { resourceVersion: list.metadata.resourceVersion }, (type, obj) => seen.push(`${type}:${obj.metadata.name}`), () => {});
    await co.createNamespacedCustomObject({ ...ref, body: { apiVersion: 'test.sqlflow.org/v1', kind: 'Widget', metadata: { name: 'b' }, spec: { size: 2 } } });
    await until('ADDED b', async () => seen.includes('ADDED:b'));
    ac.abort();

    // resourceVersion 1 is older than the watch cache's window: the apiserver answers 410 Gone,
    // and a client must relist, then watch from the list's resourceVersion.
    const gone = await new Promise<{ code: number }>((ok, fail) => {
      void watch.watch('/apis/test.sqlflow.org/v1/namespaces/default/widgets', { resourceVersion: '1' }, (type, obj) => {
        if (type === 'ERROR') ok(obj as { code: number });
      }, (err) => { if (err && !(err as Error).name?.includes('Abort')) fail(err); }).then((c) => setTimeout(() => c.abort(), 10_000).unref());
    });
    assert.equal(gone.code, 410);
    const relist = await co.listNamespacedCustomObject(ref) as { items: { metadata: { name: string } }[] };
    assert.deepEqual(relist.items.map((i) => i.metadata.name).sort(), ['a', 'b']);
  });

  it('garbage-collects a dependent when its owner is deleted', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true }] } } });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'owner' });
    await until('dependent collected', async () => {
      const r = await raw(kc, 'GET', '/api/v1/namespaces/default/configmaps/dependent');
      return r.status === 404;
    }, 90_000, 500);
  });

  it('enforces RBAC: 403 without a grant, a ServiceAccount token works after a RoleBinding', async () => {
    const nobody = new KubeConfig();
    nobody.loadFromFile(await cp.userKubeconfig('nobody'));
    const denied = await raw(nobody, 'GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(denied.status, 403);
    assert.match(JSON.parse(denied.body).message, /User "nobody" cannot list resource "configmaps"/);

    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'reader' } } });
    const tr = await core.createNamespacedServiceAccountToken({ namespace: 'default', name: 'reader', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const saKc = new KubeConfig();
    saKc.loadFromFile(await cp.tokenKubeconfig('reader', tr.status!.token!));
    assert.equal((await raw(saKc, 'GET', '/api/v1/namespaces/default/configmaps')).status, 403);

    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace: 'default', body: { metadata: { name: 'cm-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }] } });
    await rbac.createNamespacedRoleBinding({ namespace: 'default', body: { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'default' }] } });
    await until('RoleBinding effective', async () => (await raw(saKc, 'GET', '/api/v1/namespaces/default/configmaps')).status === 200);
  });
});

describe('pod logs through the fake kubelet', () => {
  const ns = 'default';
  const pod = 'logger';
  const base = `/api/v1/namespaces/${ns}/pods/${pod}/log`;
  const t0 = BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1_000_000n; // 2026-01-02T03:04:05Z

  before(async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: pod }, spec: { nodeName: cp.kubelet!.nodeName, containers: [{ name: 'main', image: 'busybox' }, { name: 'wait', image: 'busybox' }] } } });
    const logs = cp.kubelet!.logs;
    logs.append(ns, pod, 'main', 'one\n', t0 + 100n);
    logs.append(ns, pod, 'main', 'two\n', t0 + 1_000_000_000n + 5n);
    logs.append(ns, pod, 'main', 'three\nfour\n', t0 + 2_000_000_000n + 123_456_789n);
  });

  const get = async (q: string) => {
    const r = await raw(kc, 'GET', `${base}?container=main${q}`);
    assert.equal(r.status, 200, r.body);
    return r.body;
  };

  it('returns the whole log', async () => {
    assert.equal(await get(''), 'one\ntwo\nthree\nfour\n');
  });
  it('prefixes RFC3339Nano timestamps', async () => {
    assert.equal((await get('&timestamps=true')).split('\n')[0], '2026-01-02T03:04:05.000000100Z one');
    assert.match(await get('&timestamps=true'), /^2026-01-02T03:04:07\.123456789Z three$/m);
  });
  it('keeps lines at or after sinceTime', async () => {
    assert.equal(await get('&sinceTime=2026-01-02T03:04:06Z'), 'two\nthree\nfour\n');
    assert.equal(await get('&sinceTime=2026-01-02T03:04:07Z'), 'three\nfour\n');
  });
  it('sinceSeconds counts back from now', async () => {
    assert.equal(await get('&sinceSeconds=60'), '');
    assert.equal(await get(`&sinceSeconds=${Math.ceil(Date.now() / 1000 - Number(t0 / 1_000_000_000n)) + 60}`), 'one\ntwo\nthree\nfour\n');
  });
  it('cuts to tailLines and limitBytes', async () => {
    assert.equal(await get('&tailLines=2'), 'three\nfour\n');
    assert.equal(await get('&limitBytes=6'), 'one\ntw');
    assert.equal(await get('&timestamps=true&limitBytes=34'), '2026-01-02T03:04:05.000000100Z one');
  });
  it('answers 404 for an unknown container of a known node, 400 for a container not in the pod', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'ghost' }, spec: { nodeName: cp.kubelet!.nodeName, containers: [{ name: 'main', image: 'busybox' }] } } });
    assert.equal((await raw(kc, 'GET', `/api/v1/namespaces/${ns}/pods/ghost/log?container=main`)).status, 404);
    assert.equal((await raw(kc, 'GET', `${base}?container=nope`)).status, 400);
  });
  it('answers 400 while a container waits to start, then follows its growing log until it finishes', async () => {
    const waiting = await raw(kc, 'GET', `${base}?container=wait`);
    assert.equal(waiting.status, 400);
    assert.match(waiting.body, /is waiting to start/);
    cp.kubelet!.logs.start(ns, pod, 'wait');
    const res = await open(kc, 'GET', `${base}?container=wait&follow=true`);
    assert.equal(res.statusCode, 200);
    const chunks: string[] = [];
    const ended = new Promise<void>((ok) => res.on('end', ok));
    res.on('data', (c: Buffer) => chunks.push(c.toString()));
    const logs = cp.kubelet!.logs;
    logs.append(ns, pod, 'wait', 'a\n');
    await until('first line', async () => chunks.join('') === 'a\n');
    logs.append(ns, pod, 'wait', 'b\nc');
    await until('partial line', async () => chunks.join('') === 'a\nb\nc');
    logs.append(ns, pod, 'wait', 'd\n');
    logs.finish(ns, pod, 'wait');
    await ended;
    assert.equal(chunks.join(''), 'a\nb\ncd\n');
  });
  it('kubectl logs shows the lines', async () => {
    const r = await cp.kubectl(['logs', pod, '-c', 'main', '--tail=3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'two\nthree\nfour\n');
  });
});
