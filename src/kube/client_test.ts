import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadKubeConfig } from './client.ts';
import { createLogger, parseLogLevel } from './logger.ts';
import { objectKey, splitKey, Store } from './store.ts';

function kubeconfig(dir: string, file: string, server: string, ctx = 'c'): string {
  const p = path.join(dir, file);
  fs.writeFileSync(
    p,
    `apiVersion: v1\nkind: Config\nclusters: [{name: k, cluster: {server: ${server}}}]\nusers: [{name: u, user: {token: t}}]\n` +
      `contexts: [{name: ${ctx}, context: {cluster: k, user: u, namespace: ns1}}]\ncurrent-context: ${ctx}\n`,
  );
  return p;
}

test('loadKubeConfig: flag beats KUBECONFIG beats home; clear error when nothing is found', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-'));
  const flag = kubeconfig(dir, 'flag', 'https://flag:6443');
  const env = kubeconfig(dir, 'env', 'https://env:6443');
  fs.mkdirSync(path.join(dir, '.kube'));
  kubeconfig(path.join(dir, '.kube'), 'config', 'https://home:6443');
  const none = { env: {}, home: path.join(dir, 'nowhere'), serviceAccountDir: path.join(dir, 'nosa') };
  assert.equal(loadKubeConfig({ ...none, kubeconfig: flag, env: { KUBECONFIG: env } }).kc.getCurrentCluster()?.server, 'https://flag:6443');
  const fromEnv = loadKubeConfig({ ...none, env: { KUBECONFIG: `${env}${path.delimiter}${flag}` } });
  assert.equal(fromEnv.origin, 'env');
  assert.equal(fromEnv.kc.getCurrentCluster()?.server, 'https://env:6443');
  assert.equal(loadKubeConfig({ ...none, home: dir }).origin, 'home');
  assert.throws(() => loadKubeConfig(none), /no Kubernetes configuration found/);
  assert.throws(() => loadKubeConfig({ ...none, kubeconfig: path.join(dir, 'missing') }), /does not exist/);
  assert.throws(() => loadKubeConfig({ ...none, kubeconfig: flag, context: 'nope' }), /context nope not found/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('log level parsing falls back to info; child loggers work', () => {
  assert.equal(parseLogLevel('DEBUG'), 'debug');
  assert.equal(parseLogLevel('verbose?'), 'info');
  const log = createLogger({ silent: true }).child({ controller: 'x', key: 'ns/n' });
  log.info('hello', { err: new Error('e') });
});

test('store keys, namespaces and label index follow updates', () => {
  const s = new Store(['app']);
  const a = { metadata: { name: 'a', namespace: 'n1', labels: { app: 'x' } } };
  s.set(a);
  s.set({ metadata: { name: 'b', namespace: 'n2', labels: { app: 'x' } } });
  s.set({ metadata: { name: 'cluster-wide' } });
  assert.equal(objectKey(a), 'n1/a');
  assert.deepEqual(splitKey('n1/a'), { namespace: 'n1', name: 'a' });
  assert.deepEqual(splitKey('cluster-wide'), { namespace: undefined, name: 'cluster-wide' });
  assert.equal(s.get(undefined, 'cluster-wide')?.metadata?.name, 'cluster-wide');
  assert.equal(s.list('n1').length, 1);
  assert.equal(s.byLabel('app', 'x').length, 2);
  s.set({ metadata: { name: 'a', namespace: 'n1', labels: { app: 'y' } } });
  assert.equal(s.byLabel('app', 'x').length, 1);
  assert.equal(s.byLabel('app', 'y').length, 1);
  s.delete('n1/a');
  assert.equal(s.byLabel('app', 'y').length, 0);
  assert.throws(() => s.byLabel('tier', 'z'), /not indexed/);
});
