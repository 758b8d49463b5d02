// Integration tests of src/kube against a real kube-apiserver + etcd (testenv/controlplane).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  EventsV1Api,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { EventRecorder } from '../../src/kube/events.ts';
import { Informer, type RestartReason } from '../../src/kube/informer.ts';
import { LeaderElector } from '../../src/kube/leader.ts';
import {
  applyObject,
  isAlreadyExists,
  isConflict,
  isNotFound,
  mergePatchCustomStatus,
  patchCustomObject,
  patchOptions,
} from '../../src/kube/patch.ts';
import { Resources } from '../../src/kube/resources.ts';
import { retarget, startProxy } from './proxy.ts';

let cp: ControlPlane;
let kc: KubeConfig;
let core: CoreV1Api;
// testenv's stop() waits on unref'd child processes; a ref'd timer keeps the loop alive until it returns.
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  cp = await startControlPlane({ kubelet: false, controllerManager: false });
  kc = cp.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
});

after(async () => {
  await cp?.stop();
  clearInterval(keepAlive);
});

async function eventually(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

async function namespace(name: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function cm(name: string, labels: Record<string, string> = { app: 'x' }, data: Record<string, string> = {}): V1ConfigMap {
  return { metadata: { name, labels }, data };
}

/** A function, so assert.deepEqual(log, []) narrowing the array type does not leak into later checks. */
function has(log: readonly string[], entry: string): boolean {
  return log.includes(entry);
}

function recorder(inf: Informer): string[] {
  const log: string[] = [];
  inf.addHandler({
    add: (o) => log.push(`add ${o.metadata?.name}`),
    update: (_p, o) => log.push(`update ${o.metadata?.name}`),
    delete: (o) => log.push(`delete ${o.metadata?.name}`),
  });
  return log;
}

describe('informer', () => {
  test('lists with pagination and selector, then sees add/update/delete', async () => {
    const ns = await namespace('inf-basic');
    for (let i = 0; i < 5; i++) {
      await core.createNamespacedConfigMap({ namespace: ns, body: cm(`c${i}`, { app: 'x', tier: i % 2 ? 'odd' : 'even' }) });
    }
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('other', { app: 'y' }) });
    const inf = new Informer(kc, {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      labelSelector: 'app=x',
      pageSize: 2,
      indexLabels: ['tier'],
    });
    const log = recorder(inf);
    inf.start();
    try {
      await inf.waitForSync(10_000);
      assert.equal(inf.store.size, 5);
      assert.equal(inf.store.byLabel('tier', 'even').length, 3);
      assert.equal(inf.store.get(ns, 'c0')?.kind, 'ConfigMap');
      assert.equal(log.filter((l) => l.startsWith('add')).length, 5);
      log.length = 0;

      await core.createNamespacedConfigMap({ namespace: ns, body: cm('c5') });
      await core.patchNamespacedConfigMap(
        { name: 'c0', namespace: ns, body: { data: { k: 'v' } } },
        patchOptions('merge'),
      );
      await core.deleteNamespacedConfigMap({ name: 'c1', namespace: ns });
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('unlabelled', {}) });
      await eventually('three events', () => log.length >= 3);
      await sleep(300);
      assert.deepEqual(log, ['add c5', 'update c0', 'delete c1']);
      assert.equal((inf.store.get(ns, 'c0') as V1ConfigMap).data?.k, 'v');
      assert.equal(inf.store.get(ns, 'c1'), undefined);
      assert.equal(inf.store.byLabel('tier', 'odd').length, 1);
    } finally {
      await inf.stop();
    }
  });

  test('survives broken connections and resumes from its resourceVersion without losing events', async () => {
    const ns = await namespace('inf-cut');
    for (const n of ['a', 'b', 'c']) await core.createNamespacedConfigMap({ namespace: ns, body: cm(n) });
    const proxy = await startProxy(cp.server);
    const inf = new Informer(retarget(kc, proxy.url), {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
    });
    const reasons: RestartReason[] = [];
    inf.on('restart', (r) => reasons.push(r.reason));
    const log = recorder(inf);
    inf.start();
    try {
      await inf.waitForSync(10_000);
      await eventually('watch connected', () => proxy.connections() > 0);
      log.length = 0;
      proxy.setDown(true);
      proxy.cut();
      // Changes while the informer cannot reach the apiserver.
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('d') });
      await core.patchNamespacedConfigMap({ name: 'b', namespace: ns, body: { data: { x: '1' } } }, patchOptions('merge'));
      await core.deleteNamespacedConfigMap({ name: 'c', namespace: ns });
      await sleep(1500);
      assert.deepEqual(log, []);
      assert.ok(reasons.includes('error'), `restart reasons: ${reasons.join(',')}`);
      proxy.setDown(false);
      await eventually('missed events delivered', () => log.length >= 3);
      assert.deepEqual(log, ['add d', 'update b', 'delete c']);
      assert.equal(inf.stats.relists, 1, 'resumed the watch from its resourceVersion, no relist needed');
      // and it keeps working
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('e') });
      await eventually('later event', () => has(log, 'add e'));
    } finally {
      await inf.stop();
      await proxy.close();
    }
  });

  test('a silently stalled watch is caught by the watchdog and the relist diff recovers missed events', async () => {
    const ns = await namespace('inf-stall');
    for (const n of ['a', 'b']) await core.createNamespacedConfigMap({ namespace: ns, body: cm(n) });
    const proxy = await startProxy(cp.server);
    const inf = new Informer(retarget(kc, proxy.url), {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      watchdogMs: 2500,
      backoffBaseMs: 50,
    });
    const reasons: RestartReason[] = [];
    inf.on('restart', (r) => reasons.push(r.reason));
    const log = recorder(inf);
    inf.start();
    try {
      await inf.waitForSync(10_000);
      // An event delivered proves the watch itself is up (the list's connection alone would satisfy a
      // connection count, and a watch opened after the freeze fails in its connect phase instead).
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('pre') });
      await eventually('watch delivering', () => has(log, 'add pre'));
      log.length = 0;
      // The connection stays open but nothing flows: no error, no close, no bookmark. Only the watchdog notices.
      proxy.setFrozen(true);
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('c') });
      await core.deleteNamespacedConfigMap({ name: 'a', namespace: ns });
      await core.patchNamespacedConfigMap({ name: 'b', namespace: ns, body: { data: { y: '2' } } }, patchOptions('merge'));
      await eventually('watchdog fired', () => reasons.includes('watchdog'), 10_000);
      assert.deepEqual(log, [], 'the stalled watch delivered nothing');
      proxy.setFrozen(false);
      await eventually('relist after watchdog', () => log.length >= 3, 15_000);
      assert.equal(inf.stats.relists, 2);
      assert.deepEqual([...log].sort(), ['add c', 'delete a', 'update b']);
      await core.createNamespacedConfigMap({ namespace: ns, body: cm('d') });
      await eventually('watching again', () => has(log, 'add d'));
    } finally {
      await inf.stop();
      await proxy.close();
    }
  });
});

describe('leader election', () => {
  const timing = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };

  function elector(k: KubeConfig, identity: string, events: string[]): LeaderElector {
    return new LeaderElector({
      api: new Resources(k),
      namespace: 'default',
      name: 'kube-runtime-test',
      identity,
      ...timing,
      onStartedLeading: () => events.push(`${identity} started@${Date.now()}`),
      onStoppedLeading: () => events.push(`${identity} stopped@${Date.now()}`),
    });
  }
  const at = (events: string[], e: string): number => Number(events.find((x) => x.startsWith(e))?.split('@')[1]);

  test('one leader at a time; release hands over at once; a leader that cannot renew steps down', async () => {
    const events: string[] = [];
    const a = elector(kc, 'a', events);
    const b = elector(kc, 'b', events);
    const runA = a.run();
    await eventually('a leads', () => a.isLeader());
    const runB = b.run();
    await sleep(2000);
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    assert.equal(b.leader(), 'a');

    const lease = JSON.parse((await cp.kubectl(['get', 'lease', '-n', 'default', 'kube-runtime-test', '-o', 'json'])).stdout);
    assert.equal(lease.spec.holderIdentity, 'a');
    assert.match(lease.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(lease.spec.leaseDurationSeconds, 4);

    const released = Date.now();
    await a.stop();
    await runA;
    await eventually('b leads', () => b.isLeader(), 5000);
    assert.ok(Date.now() - released < timing.leaseDurationMs, 'released lease is taken without waiting for expiry');
    assert.ok(at(events, 'a stopped') <= at(events, 'b started'));

    // c campaigns directly; b is cut off from the apiserver and must step down before c takes over.
    await b.stop(); // b released; start a fresh leader behind a proxy
    await runB;
    const proxy = await startProxy(cp.server);
    const d = elector(retarget(kc, proxy.url), 'd', events);
    const runD = d.run();
    await eventually('d leads', () => d.isLeader(), 5000);
    const c = elector(kc, 'c', events);
    const runC = c.run();
    await sleep(1000);
    assert.equal(c.isLeader(), false);
    proxy.setDown(true);
    proxy.cut();
    await runD; // resolves when d gives up leading
    assert.equal(d.isLeader(), false);
    await eventually('c leads', () => c.isLeader(), 10_000);
    assert.ok(at(events, 'd stopped') < at(events, 'c started'), events.join(' '));
    const final = JSON.parse((await cp.kubectl(['get', 'lease', '-n', 'default', 'kube-runtime-test', '-o', 'json'])).stdout);
    assert.equal(final.spec.holderIdentity, 'c');
    assert.ok(final.spec.leaseTransitions >= 3, `transitions ${final.spec.leaseTransitions}`);
    await c.stop();
    await runC;
    await proxy.close();
  });
});

describe('patch helpers and events', () => {
  test('merge/json/apply patches on core and custom objects, /status, error classifiers', async () => {
    const ns = await namespace('patching');
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'widgets.test.sqlflow.org' },
        spec: {
          group: 'test.sqlflow.org',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          scope: 'Namespaced',
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          ],
        },
      },
    });
    const custom = kc.makeApiClient(CustomObjectsApi);
    const kube = new Resources(kc);
    const ref = { group: 'test.sqlflow.org', version: 'v1', plural: 'widgets', namespace: ns, name: 'w1' };
    const body = { apiVersion: 'test.sqlflow.org/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } };
    await eventually('CRD served', async () => {
      try {
        await custom.createNamespacedCustomObject({ ...ref, body });
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
    });
    // The classifiers read client-node's ApiException and our own KubeHttpError alike.
    await assert.rejects(custom.createNamespacedCustomObject({ ...ref, body }), (e) => isAlreadyExists(e) && !isConflict(e));
    await assert.rejects(kube.create(ref, body), (e) => isAlreadyExists(e) && !isConflict(e));
    await assert.rejects(custom.getNamespacedCustomObject({ ...ref, name: 'nope' }), isNotFound);
    await assert.rejects(kube.get({ ...ref, name: 'nope' }), isNotFound);
    assert.equal((await kube.get<{ spec: { size: number } }>(ref)).spec.size, 1);
    assert.deepEqual((await kube.list<KubernetesObject>(ref)).items.map((w) => w.metadata?.name), ['w1']);

    type Widget = KubernetesObject & { spec?: { size?: number; color?: string }; status?: { phase?: string } };
    const s1 = await mergePatchCustomStatus<Widget>(kube, ref, { phase: 'Running' }, 'test');
    assert.equal(s1.status?.phase, 'Running');
    const m = await patchCustomObject<Widget>(kube, ref, 'merge', { spec: { color: 'red' }, status: { phase: 'Ignored' } });
    assert.equal(m.spec?.color, 'red');
    assert.equal(m.status?.phase, 'Running', 'main resource ignores status');
    const j = await patchCustomObject<Widget>(kube, ref, 'json', [
      { op: 'test', path: '/metadata/resourceVersion', value: m.metadata?.resourceVersion },
      { op: 'replace', path: '/spec/size', value: 2 },
    ]);
    assert.equal(j.spec?.size, 2);
    await assert.rejects(
      patchCustomObject(kube, ref, 'json', [
        { op: 'test', path: '/metadata/resourceVersion', value: m.metadata?.resourceVersion },
        { op: 'replace', path: '/spec/size', value: 3 },
      ]),
      (e) => (e as { code?: number }).code === 422 || isConflict(e),
    );
    const a = await patchCustomObject<Widget>(
      kube,
      ref,
      'apply',
      { apiVersion: 'test.sqlflow.org/v1', kind: 'Widget', metadata: { name: 'w1', namespace: ns }, status: { phase: 'Done' } },
      { status: true, fieldManager: 'kube-runtime-test', force: true },
    );
    assert.equal(a.status?.phase, 'Done');
    await assert.rejects(patchCustomObject(kube, ref, 'strategic', {}), /not supported/);

    // Core objects: typed call + patchOptions, and server-side apply through KubernetesObjectApi.
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const applied = await applyObject(
      objects,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: ns }, data: { a: '1' } } as V1ConfigMap,
      'kube-runtime-test',
    );
    assert.equal((applied as V1ConfigMap).data?.a, '1');
    const jp = await core.patchNamespacedConfigMap(
      { name: 'ssa', namespace: ns, body: [{ op: 'add', path: '/data/b', value: '2' }] },
      patchOptions('json'),
    );
    assert.deepEqual(jp.data, { a: '1', b: '2' });
    const stale = { ...jp, metadata: { ...jp.metadata, resourceVersion: applied.metadata?.resourceVersion } };
    await assert.rejects(core.replaceNamespacedConfigMap({ name: 'ssa', namespace: ns, body: stale }), isConflict);
  });

  test('event recorder writes events.k8s.io Events and aggregates repeats into a series', async () => {
    const ns = await namespace('events');
    const target = await core.createNamespacedConfigMap({ namespace: ns, body: cm('target') });
    const eventsApi = kc.makeApiClient(EventsV1Api);
    const r = new EventRecorder({
      api: new Resources(kc),
      reportingController: 'sqlflow.org/kube-runtime-test',
      reportingInstance: 'test-1',
      seriesFlushMs: 100,
    });
    const obj = { ...target, apiVersion: 'v1', kind: 'ConfigMap' };
    r.warning(obj, 'Failed', 'it broke');
    await r.flush();
    for (let i = 0; i < 200; i++) r.warning(obj, 'Failed', 'it broke');
    r.normal(obj, 'Started', 'it started');
    await r.flush();
    assert.equal(r.stats.failed, 0);
    const list = await eventsApi.listNamespacedEvent({ namespace: ns });
    const failed = list.items.filter((e) => e.reason === 'Failed');
    assert.equal(failed.length, 1, 'one Event for 201 occurrences');
    assert.equal(failed[0]?.series?.count, 201);
    assert.equal(failed[0]?.regarding?.uid, target.metadata?.uid);
    assert.equal(failed[0]?.reportingController, 'sqlflow.org/kube-runtime-test');
    assert.equal(list.items.filter((e) => e.reason === 'Started').length, 1);
  });
});
