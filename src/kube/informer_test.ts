import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { KubeHttpError } from './errors.ts';
import { Informer, type RestartInfo } from './informer.ts';
import type { ListPage, ListWatchTransport, Query, WatchEvent, WatchOptions } from './rest.ts';

interface Session {
  query: Query;
  emit(ev: WatchEvent): void;
  end(): void;
  fail(err: Error): void;
}

/** A scripted apiserver: the test sets `objects`, and drives each watch session by hand. */
class FakeTransport implements ListWatchTransport {
  objects: KubernetesObject[] = [];
  rv = 100;
  lists: Query[] = [];
  sessions: Session[] = [];
  failNextList: Error | undefined;

  async list(_path: string, query: Query): Promise<ListPage> {
    this.lists.push(query);
    if (this.failNextList) {
      const e = this.failNextList;
      this.failNextList = undefined;
      throw e;
    }
    const limit = Number(query.limit);
    const start = query.continue ? Number(query.continue) : 0;
    const items = this.objects.slice(start, start + limit).map((o) => structuredClone(o));
    const next = start + limit < this.objects.length ? String(start + limit) : undefined;
    return {
      apiVersion: 'v1',
      kind: 'ConfigMapList',
      metadata: { resourceVersion: String(this.rv), ...(next ? { continue: next } : {}) },
      items,
    };
  }

  watch(_path: string, query: Query, onEvent: (ev: WatchEvent) => void, opts: WatchOptions): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      opts.signal.addEventListener('abort', () => resolve(), { once: true });
      this.sessions.push({
        query,
        emit: (ev) => {
          try {
            onEvent(ev);
          } catch (err) {
            reject(err as Error);
          }
        },
        end: resolve,
        fail: reject,
      });
    });
  }

  last(): Session {
    const s = this.sessions.at(-1);
    if (!s) throw new Error('no watch session');
    return s;
  }
}

let uidSeq = 0;
function cm(name: string, rv: number, uid?: string): KubernetesObject {
  return { metadata: { name, namespace: 'ns', resourceVersion: String(rv), uid: uid ?? `uid-${name}-${uidSeq++}` } };
}
function ev(type: WatchEvent['type'], o: KubernetesObject): WatchEvent {
  return { type, object: o as WatchEvent['object'] };
}

function record(inf: Informer): string[] {
  const log: string[] = [];
  inf.addHandler({
    add: (o) => log.push(`add ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    update: (_old, o) => log.push(`update ${o.metadata?.name}@${o.metadata?.resourceVersion}`),
    delete: (o) => log.push(`delete ${o.metadata?.name}`),
  });
  return log;
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(2);
  }
}

test('paginated list fills the cache, then watch starts from the list resourceVersion with bookmarks', async () => {
  const t = new FakeTransport();
  t.objects = [cm('a', 1), cm('b', 2), cm('c', 3)];
  const inf = new Informer(undefined, { path: '/api/v1/configmaps', transport: t, pageSize: 2, labelSelector: 'app=x' });
  const log = record(inf);
  inf.start();
  await inf.waitForSync(1000);
  assert.equal(inf.hasSynced(), true);
  assert.deepEqual(log, ['add a@1', 'add b@2', 'add c@3']);
  assert.equal(t.lists.length, 2, 'two pages');
  assert.equal(t.lists[0]?.labelSelector, 'app=x', 'selector applied to the list');
  assert.equal(t.lists[1]?.continue, '2');
  await until(() => t.sessions.length === 1);
  assert.equal(t.last().query.resourceVersion, '100');
  assert.equal(t.last().query.allowWatchBookmarks, true);
  assert.equal(t.last().query.labelSelector, 'app=x');
  assert.equal(inf.store.get('ns', 'a')?.kind, 'ConfigMap', 'kind filled in from the list');
  await inf.stop();
});

test('watch events update the cache and reach handlers; a throwing handler does not stop delivery', async () => {
  const t = new FakeTransport();
  const inf = new Informer(undefined, { path: '/p', transport: t });
  let handlerErrors = 0;
  inf.on('handlerError', () => handlerErrors++);
  inf.addHandler({
    add: () => {
      throw new Error('bad handler');
    },
  });
  inf.addHandler({ update: async () => Promise.reject(new Error('bad async handler')) });
  const log = record(inf);
  inf.start();
  await until(() => t.sessions.length === 1);
  const a = cm('a', 101);
  t.last().emit(ev('ADDED', a));
  t.last().emit(ev('MODIFIED', { ...a, metadata: { ...a.metadata, resourceVersion: '102' } }));
  t.last().emit(ev('BOOKMARK', { metadata: { resourceVersion: '150' } }));
  assert.equal(inf.lastResourceVersion(), '150');
  t.last().emit(ev('DELETED', { ...a, metadata: { ...a.metadata, resourceVersion: '151' } }));
  t.last().emit(ev('DELETED', cm('never-seen', 152)));
  await sleep(5);
  assert.deepEqual(log, ['add a@101', 'update a@102', 'delete a']);
  assert.equal(handlerErrors, 2);
  assert.equal(inf.store.size, 0);
  assert.equal(t.sessions.length, 1, 'still the same watch');
  await inf.stop();
});

test('410 in the stream relists and the diff synthesises what was missed', async () => {
  const t = new FakeTransport();
  const keep = cm('keep', 1);
  const change = cm('change', 2);
  const gone = cm('gone', 3);
  const recreated = cm('recreated', 4);
  t.objects = [keep, change, gone, recreated];
  const inf = new Informer(undefined, { path: '/p', transport: t });
  const log = record(inf);
  const restarts: RestartInfo[] = [];
  inf.on('restart', (r) => restarts.push(r));
  inf.start();
  await until(() => t.sessions.length === 1);
  log.length = 0;
  // While "away": one changed, one deleted, one deleted and recreated (new uid), one new.
  t.rv = 200;
  t.objects = [keep, cm('change', 20, change.metadata?.uid), cm('recreated', 21), cm('new', 22)];
  t.last().emit({ type: 'ERROR', object: { kind: 'Status', code: 410, message: 'too old resource version' } as WatchEvent['object'] });
  await until(() => t.sessions.length === 2);
  assert.equal(restarts[0]?.reason, 'gone');
  assert.equal(restarts[0]?.delayMs, 0, 'first 410 relists at once');
  assert.deepEqual(log.sort(), ['add new@22', 'add recreated@21', 'delete gone', 'delete recreated', 'update change@20']);
  assert.equal(t.last().query.resourceVersion, '200');
  await inf.stop();
});

test('network errors re-watch from the last resourceVersion with backoff; no relist', async () => {
  const t = new FakeTransport();
  const inf = new Informer(undefined, { path: '/p', transport: t, backoffBaseMs: 20, backoffMaxMs: 100 });
  const restarts: RestartInfo[] = [];
  inf.on('restart', (r) => restarts.push(r));
  inf.start();
  await until(() => t.sessions.length === 1);
  t.last().emit(ev('ADDED', cm('a', 120)));
  t.last().fail(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
  await until(() => t.sessions.length === 2);
  assert.equal(restarts[0]?.reason, 'error');
  assert.equal(t.lists.length, 1, 'no relist for a network error');
  assert.equal(t.last().query.resourceVersion, '120');
  // Consecutive quick failures back off, growing.
  t.last().fail(new Error('reset again'));
  await until(() => t.sessions.length === 3);
  t.last().fail(new Error('reset again'));
  await until(() => t.sessions.length === 4);
  assert.ok((restarts[2]?.delayMs ?? 0) > (restarts[1]?.delayMs ?? 0));
  // An apiserver error status relists (our resourceVersion may be the problem).
  t.last().fail(new KubeHttpError(500, 'internal'));
  await until(() => t.lists.length === 2);
  await inf.stop();
});

test('a failed list is retried with backoff and clean server closes re-watch at once', async () => {
  const t = new FakeTransport();
  t.failNextList = new Error('connect ECONNREFUSED');
  const inf = new Informer(undefined, { path: '/p', transport: t, backoffBaseMs: 10 });
  const restarts: RestartInfo[] = [];
  inf.on('restart', (r) => restarts.push(r));
  inf.start();
  await inf.waitForSync(2000);
  assert.equal(restarts[0]?.reason, 'list-error');
  await until(() => t.sessions.length === 1);
  t.last().end();
  await until(() => t.sessions.length === 2);
  assert.equal(restarts[1]?.reason, 'closed');
  await inf.stop();
});

test('periodic relist interrupts the watch and re-watches from the new list', async () => {
  const t = new FakeTransport();
  t.objects = [cm('a', 1)];
  const inf = new Informer(undefined, { path: '/p', transport: t, relistIntervalMs: 50 });
  const log = record(inf);
  inf.start();
  await until(() => t.sessions.length === 1);
  t.objects = []; // a delete the watch "missed"
  t.rv = 300;
  await until(() => t.lists.length >= 2 && t.sessions.length >= 2);
  assert.ok(log.includes('delete a'));
  assert.equal(t.last().query.resourceVersion, '300');
  await inf.stop();
});

test('stop() ends the loop without a restart and handlers added late get the cache replayed', async () => {
  const t = new FakeTransport();
  t.objects = [cm('a', 1)];
  const inf = new Informer(undefined, { path: '/p', transport: t });
  let restarts = 0;
  inf.on('restart', () => restarts++);
  inf.start();
  await inf.waitForSync(1000);
  const late: string[] = [];
  inf.addHandler({ add: (o) => late.push(o.metadata?.name ?? '') });
  assert.deepEqual(late, ['a']);
  await until(() => t.sessions.length === 1);
  await inf.stop();
  await sleep(20);
  assert.equal(restarts, 0);
  assert.equal(t.sessions.length, 1);
});
