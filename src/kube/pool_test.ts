import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { shareConnections } from './pool.ts';

function config(cert: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('ca').toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', certData: Buffer.from(cert).toString('base64'), keyData: Buffer.from('key').toString('base64') }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const ctx = new RequestContext('https://127.0.0.1:6443/api', 'GET' as never);
  await kc.applySecurityAuthentication(ctx);
  return ctx.getDispatcher();
}

describe('shareConnections', () => {
  it('client-node makes a new connection pool per request; shared, every request reuses one', async () => {
    const plain = config('cert');
    assert.notEqual(await dispatcherOf(plain), await dispatcherOf(plain));
    const kc = shareConnections(config('cert'));
    const first = await dispatcherOf(kc);
    assert.ok(first);
    assert.equal(await dispatcherOf(kc), first);
    assert.equal(shareConnections(kc), kc);
    assert.equal(await dispatcherOf(kc), first);
  });

  it('a rotated client certificate gets its own pool', async () => {
    const kc = shareConnections(config('cert'));
    const first = await dispatcherOf(kc);
    kc.users[0] = { ...kc.users[0]!, certData: Buffer.from('cert-2').toString('base64') };
    assert.notEqual(await dispatcherOf(kc), first);
  });
});
