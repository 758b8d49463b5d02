// proto.SQLFlow line latency with SQLFlow's unmodified Python client (sqlflow==0.15.0, which sleeps 2 s between
// Fetch calls): print (the step's own clock) → arrival at the client, p50/p99, and Fetch calls per minute per
// client — for the current Fetch long poll and, side by side in the same run on the same jobs' timing, the earlier
// 1 s poll as the baseline. Steps print a line every 250 ms (dense), 1 s, and 5 s (sparse: a slow epoch).
// Run: node --import tsx bench/sqlflow_latency.ts
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../src/server/index.ts';
import { installWorkflowCrd, startLocalArgo } from '../testenv/argo/index.ts';
import { startControlPlane } from '../testenv/controlplane/index.ts';
import { installOperator, ROOT, startOperator } from '../testenv/operator.ts';
import { clientPython, drive, quantile } from '../test/support/sqlflow_client.ts';
import { DEFAULT_POLL_SECONDS } from '../src/server/sqlflow_service.ts';

const RATES = [
  { every: 250, ticks: 80 },
  { every: 1000, ticks: 24 },
  { every: 5000, ticks: 6 },
];
const python = await clientPython();
const cp = await startControlPlane();
const keepAlive = setInterval(() => {}, 1000);
const servers: ApiServer[] = [];
try {
  const admin = cp.kubeConfig();
  const sa = await installOperator(cp);
  await installWorkflowCrd(admin);
  const argo = await startLocalArgo({ kc: admin, kubelet: cp.kubelet! });
  const op = await startOperator(cp, sa, [`--step-command=${JSON.stringify(['sh', join(ROOT, 'bench', 'support', 'tick_step.sh')])}`]);
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(sa);
    const variants = [
      { name: `poll ${DEFAULT_POLL_SECONDS} s (current)`, poll: DEFAULT_POLL_SECONDS },
      { name: 'poll 1 s (baseline)', poll: 1 },
    ];
    for (const v of variants) servers.push(await startApiServer({ kc, port: 0, host: '127.0.0.1', auth: 'none', sqlflow: { defaultNamespace: 'default', pollSeconds: v.poll } }));
    const rows: string[] = [];
    for (const r of RATES) {
      // Both clients at once, each on its own job: the same machine load for both.
      const outs = await Promise.all(servers.map((s) => drive(python, `127.0.0.1:${s.port}`, 'execute', `SELECT TICKS_${r.ticks} EVERY_${r.every} FROM t;`, {})));
      const figures = outs.map((o, i) => {
        if (o.error) throw new Error(`${variants[i]!.name}: ${o.error}: ${o.details}`);
        const ticks = o.logs.filter((l) => l.log.startsWith('tick '));
        if (ticks.length !== r.ticks) throw new Error(`${variants[i]!.name}: ${ticks.length} of ${r.ticks} lines`);
        const lat = ticks.map((l) => l.t - Number(/ at (\S+)$/.exec(l.log)![1]));
        const minutes = (o.fetches.at(-1)! - o.fetches[0]!) / 60;
        return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), perMin: o.fetches.length / minutes };
      });
      figures.forEach((f, i) => rows.push(`| a line every ${r.every} ms | ${variants[i]!.name} | ${f.p50.toFixed(2)} s | ${f.p99.toFixed(2)} s | ${f.perMin.toFixed(1)} |`));
      rows.push(`| a line every ${r.every} ms | current ÷ baseline | ${(figures[0]!.p50 / figures[1]!.p50).toFixed(2)} | ${(figures[0]!.p99 / figures[1]!.p99).toFixed(2)} | ${(figures[0]!.perMin / figures[1]!.perMin).toFixed(2)} |`);
    }
    console.log('| step prints | Fetch long poll | p50 print→client | p99 | Fetch calls/min |\n| --- | --- | --- | --- | --- |');
    console.log(rows.join('\n'));
  } finally {
    for (const s of servers) await s.close();
    await op.stop();
    await argo.stop();
  }
} finally {
  await cp.stop();
  clearInterval(keepAlive);
}
