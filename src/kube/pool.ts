// One pooled, keep-alive connection set per apiserver and identity for every typed client.
//
// client-node 2.0.1 builds a new undici Agent for every request of a generated API client
// (KubeConfig.applySecurityAuthentication → createDispatcher, uncached, unlike the https.Agent it caches for
// watches): each call opens a fresh TLS connection and leaves the old Agent's sockets open until they idle out.
// Under a burst that is a handshake per request and thousands of half-dead sockets (CPU and RSS outside the JS
// heap). Here the Agent is made once per (cluster, user, TLS material) and reused; a changed certificate makes a
// new one and closes the old.
import { createHash } from 'node:crypto';
import type { Cluster, KubeConfig } from '@kubernetes/client-node';

interface ClosableDispatcher {
  close(): Promise<void>;
}

type CreateDispatcher = (cluster: Cluster | null, agentOptions: Record<string, unknown>) => ClosableDispatcher | undefined;

const POOLED = Symbol('sqlflow.pooledDispatcher');

/** Makes `kc`'s API clients share one connection pool; returns kc. Safe to call twice. */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as Record<string | symbol, unknown>;
  const original = target.createDispatcher;
  if (typeof original !== 'function' || target[POOLED]) return kc; // another client-node version: leave it as it is
  const pool = new Map<string, { fingerprint: string; dispatcher: ClosableDispatcher | undefined }>();
  const create = original as CreateDispatcher;
  target.createDispatcher = (cluster: Cluster | null, agentOptions: Record<string, unknown>) => {
    const who = `${cluster?.name ?? ''}\u0000${cluster?.server ?? ''}\u0000${kc.getCurrentUser()?.name ?? ''}`;
    const fingerprint = tlsFingerprint(agentOptions);
    const hit = pool.get(who);
    if (hit && hit.fingerprint === fingerprint) return hit.dispatcher;
    const dispatcher = create.call(kc, cluster, agentOptions);
    if (hit?.dispatcher) void hit.dispatcher.close().catch(() => {});
    pool.set(who, { fingerprint, dispatcher });
    return dispatcher;
  };
  target[POOLED] = true;
  return kc;
}

/** A digest of the TLS material, so a rotated client certificate or CA gets its own connections. */
function tlsFingerprint(o: Record<string, unknown>): string {
  const h = createHash('sha256');
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) {
    const v = o[k];
    h.update(`${k}=`);
    if (v === undefined) h.update('-');
    else if (Buffer.isBuffer(v) || typeof v === 'string') h.update(v);
    else if (Array.isArray(v)) for (const x of v) h.update(Buffer.isBuffer(x) || typeof x === 'string' ? x : String(x));
    else h.update(String(v));
    h.update('\u0000');
  }
  return h.digest('hex');
}
