import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttpError } from './errors.ts';
import { KubeHttp } from './http.ts';

/** A plain-HTTP apiserver stand-in that records each request's Authorization and refuses the tokens in `revoked`. */
async function server(revoked: Set<string>): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const srv = http.createServer((req, res) => {
    const auth = String(req.headers.authorization);
    seen.push(auth);
    const ok = !revoked.has(auth);
    res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(ok ? { kind: 'Namespace' } : { kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized' }));
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, close: () => new Promise((ok) => srv.close(() => ok())) };
}

function config(server: string, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // client-node refuses http:// unless TLS verification is off (there is no TLS to verify).
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('KubeHttp credentials', () => {
  it('reuses the applied credentials, and takes fresh ones after a 401', async () => {
    const revoked = new Set<string>();
    const s = await server(revoked);
    const kc = config(s.url, 'first');
    const h = new KubeHttp(kc);
    try {
      await h.json('GET', '/api/v1/namespaces/default');
      // The kubeconfig's token changes (a rotated file, a refreshed exec credential) while the old one still works:
      // requests within the reuse window keep the old one.
      kc.users[0] = { ...kc.users[0]!, token: 'second' };
      await h.json('GET', '/api/v1/namespaces/default');
      assert.deepEqual(s.seen, ['Bearer first', 'Bearer first']);
      // The old token is refused: that request fails with the apiserver's Status, and the next one re-reads.
      revoked.add('Bearer first');
      await assert.rejects(h.json('GET', '/api/v1/namespaces/default'), (e: unknown) => e instanceof KubeHttpError && e.code === 401);
      assert.deepEqual(await h.json('GET', '/api/v1/namespaces/default'), { kind: 'Namespace' });
      assert.deepEqual(s.seen, ['Bearer first', 'Bearer first', 'Bearer first', 'Bearer second']);
    } finally {
      h.close();
      await s.close();
    }
  });
});
