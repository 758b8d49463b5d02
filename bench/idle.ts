// How many API requests does an idle operator make? Starts the real control plane, the local
// Argo and the operator (as its ServiceAccount, with leader election), runs 100 jobs to the
// end, then watches a quiet window: the apiserver's own counters (apiserver_request_total,
// all clients) and its audit log (the operator's identity alone).
// Usage: node --import tsx bench/idle.ts [windowSeconds=60]
import { join } from 'node:path';
import { request } from 'node:https';
import { startControlPlane } from '../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../testenv/argo/crd.ts';
import { startLocalArgo } from '../testenv/argo/index.ts';
import { installOperator, OPERATOR_NAMESPACE, OPERATOR_SA, ROOT, startOperator } from '../testenv/operator.ts';
import { Jobs } from '../test/support/jobs.ts';
import { auditEvents, tally } from '../test/support/audit.ts';

const windowS = Number(process.argv[2] ?? 60);

async function requestTotals(kc: import('@kubernetes/client-node').KubeConfig): Promise<Map<string, number>> {
  const opts: import('node:https').RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const text = await new Promise<string>((ok, fail) => {
    request(new URL('/metrics', kc.getCurrentCluster()!.server), opts, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (c: string) => (b += c)).on('end', () => ok(b));
    }).on('error', fail).end();
  });
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    totals.set(key, (totals.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return totals;
}

const cp = await startControlPlane({ audit: true });
try {
  const kc = cp.kubeConfig();
  await installWorkflowCrd(kc);
  const argo = await startLocalArgo({ kc, kubelet: cp.kubelet! });
  const sa = await installOperator(cp);
  const op = await startOperator(cp, sa, [`--step-command=${JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')])}`, '--leader-elect', `--leader-election-namespace=${OPERATOR_NAMESPACE}`, '--log-level=info']);
  const jobs = new Jobs(kc);
  const names = Array.from({ length: 100 }, (_, i) => `idle-${i}`);
  await Promise.all(names.map((n) => jobs.create(n, { sql: 'SELECT 1' })));
  for (const n of names) await jobs.phase(n, 'Succeeded', 180_000);
  await new Promise((r) => setTimeout(r, 5000));

  const before = await requestTotals(kc);
  const from = new Date();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const after = await requestTotals(kc);
  const to = new Date();
  const delta: Record<string, number> = {};
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) > 0) delta[k] = v - (before.get(k) ?? 0);
  const mine = (await auditEvents(cp.auditLog!, `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SA}`, from)).filter((e) => new Date(e.requestReceivedTimestamp) < to);
  console.log(`idle window: ${windowS} s, 100 finished jobs`);
  console.log(`apiserver_request_total increase, all clients (the operator, the local Argo, kube-controller-manager, this script's /metrics reads):`);
  for (const [k, v] of Object.entries(delta).sort()) console.log(`  ${k.padEnd(40)} ${v}`);
  console.log(`requests by the operator (audit log):`);
  for (const [k, v] of Object.entries(tally(mine)).sort()) console.log(`  ${k.padEnd(40)} ${v}`);
  await op.stop();
  await argo.stop();
} finally {
  await cp.stop();
}
