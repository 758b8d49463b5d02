// No polling: an idle operator with 100 finished jobs makes no API requests but watches
// (renewed when the server ends them) and, with leader election, Lease renewals.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installWorkflowCrd } from '../../testenv/argo/crd.ts';
import { startLocalArgo } from '../../testenv/argo/index.ts';
import { installOperator, OPERATOR_NAMESPACE, OPERATOR_SA, ROOT, startOperator, type OperatorProcess } from '../../testenv/operator.ts';
import { Jobs } from '../support/jobs.ts';
import { auditEvents, tally } from '../support/audit.ts';
import { until } from '../support/http.ts';

let cp: ControlPlane;
let argo: { stop(): Promise<void> };
let op: OperatorProcess | undefined;

before(async () => {
  cp = await startControlPlane({ audit: true });
  await installWorkflowCrd(cp.kubeConfig());
  argo = await startLocalArgo({ kc: cp.kubeConfig(), kubelet: cp.kubelet! });
});
after(async () => {
  await op?.stop();
  await argo?.stop();
  await cp?.stop();
});

it('an idle operator with 100 finished jobs only renews its Lease', async (t) => {
  const sa = await installOperator(cp);
  op = await startOperator(cp, sa, [`--step-command=${JSON.stringify(['sh', join(ROOT, 'test', 'fixtures', 'step.sh')])}`, '--leader-elect', `--leader-election-namespace=${OPERATOR_NAMESPACE}`]);
  const jobs = new Jobs(cp.kubeConfig());
  const names = Array.from({ length: 100 }, (_, i) => `idle-${i}`);
  await Promise.all(names.map((n) => jobs.create(n, { sql: 'SELECT 1' })));
  for (const n of names) await jobs.phase(n, 'Succeeded', 120_000);
  // Events go out after the burst (they wait for a quiet work queue): the window starts once every job's
  // completion event exists, and each was recorded once (a repeat would be a series patched 10 s later).
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  const done = await until('a Succeeded event for each of the 100 jobs', async () => {
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'reason=Succeeded' });
    return list.items.length >= names.length ? list.items : undefined;
  }, 120_000, 300);
  assert.equal(done.length, names.length, 'one Succeeded event per job');
  assert.deepEqual(done.filter((e) => (e.count ?? 1) > 1 || (e.series?.count ?? 1) > 1).map((e) => e.involvedObject.name), [], 'no completion event recorded twice');
  await new Promise((r) => setTimeout(r, 3000)); // the last status writes

  const from = new Date();
  const windowMs = 20_000;
  await new Promise((r) => setTimeout(r, windowMs));
  const user = `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SA}`;
  const events = (await auditEvents(cp.auditLog!, user, from)).filter((e) => new Date(e.requestReceivedTimestamp) < new Date(from.getTime() + windowMs));
  const counts = tally(events);
  t.diagnostic(`requests by ${user} in ${windowMs / 1000} s idle: ${JSON.stringify(counts)}`);
  const other = events.filter((e) => e.verb !== 'watch' && e.objectRef?.resource !== 'leases');
  assert.deepEqual(other.map((e) => `${e.verb} ${e.requestURI}`), [], 'no requests besides watches and Lease renewals');
  // client-go timing: a renewal (get + update) every 2 s.
  const renewals = counts['update leases'] ?? 0;
  assert.ok(renewals >= 7 && renewals <= 12, `lease updates: ${renewals}`);
});
