// `sqlflow logs -f` saying what it waits for (stderr), against a real apiserver with the job driven by hand
// (harness.ts): no operator, a pod stuck pulling its image, a raw workflow whose later nodes do not exist yet.
// Every wait notice is due at once here (SQLFLOW_WAIT_NOTICE_SECONDS=0), so nothing depends on timing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/io.ts';
import { mergePatchCustomStatus, patchOptions } from '../../src/kube/patch.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds, JOBS } from './harness.ts';
import { Resources } from '../../src/kube/resources.ts';

let cp: ControlPlane;
let kc: KubeConfig;
const keepAlive = setInterval(() => {}, 1000);
const savedNotice = process.env.SQLFLOW_WAIT_NOTICE_SECONDS;

before(async () => {
  process.env.SQLFLOW_WAIT_NOTICE_SECONDS = '0';
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(cp);
});
after(async () => {
  if (savedNotice === undefined) delete process.env.SQLFLOW_WAIT_NOTICE_SECONDS;
  else process.env.SQLFLOW_WAIT_NOTICE_SECONDS = savedNotice;
  await cp?.stop();
  clearInterval(keepAlive);
});

function captureIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', readFile: (p) => readFile(p, 'utf8') };
}

/** `sqlflow logs JOB -f` running in the background. */
function follow(ns: string, job: string) {
  const io = captureIo();
  const done = main(['logs', job, '-f', '--kubeconfig', cp.kubeconfigPath, '-n', ns], io);
  return { io, done };
}

/** Waits until stderr matches (the CLI runs concurrently); fails with what it printed if it never does. */
async function untilErr(io: { err: string[] }, re: RegExp): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (re.test(io.err.join(''))) return;
    await sleep(50);
  }
  assert.fail(`stderr never matched ${re}:\n${io.err.join('')}`);
}

describe('sqlflow logs -f: what it waits for', () => {
  test('a job with no workflow: "is the operator running?", then the end once the job fails', async () => {
    await createNamespace(kc, 'wait-op');
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      ...JOBS, namespace: 'wait-op',
      body: { apiVersion: 'sqlflow.org/v1alpha1', kind: 'SQLFlowJob', metadata: { name: 'orphan' }, spec: { sql: 'SELECT 1;' } },
    });
    const f = follow('wait-op', 'orphan');
    await untilErr(f.io, /sqlflow: job wait-op\/orphan is Pending and has no workflow yet: is the operator running\? \(nothing new for \d+s\)\n/);
    await mergePatchCustomStatus(new Resources(kc), { ...JOBS, namespace: 'wait-op', name: 'orphan' }, { phase: 'Failed', message: 'gave up' });
    assert.equal(await f.done, 1, f.io.err.join(''));
    assert.equal(f.io.out.join(''), '');
    assert.equal(f.io.err.join('').match(/is the operator running/g)?.length, 1, 'said once, not on every poll');
  });

  test("a Pending step: its pod's waiting reason on stderr; the log still comes exactly once on stdout", async () => {
    await createNamespace(kc, 'wait-pod');
    const job = await new FakeJob(kc, cp.kubelet!.logs, 'wait-pod', 'pull', 1).create();
    await job.createPod(0);
    await kc.makeApiClient(CoreV1Api).patchNamespacedPodStatus({
      namespace: 'wait-pod', name: job.podName(0),
      body: {
        status: {
          phase: 'Pending',
          containerStatuses: [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } }],
        },
      },
    }, patchOptions('strategic'));
    const f = follow('wait-pod', 'pull');
    await untilErr(f.io, new RegExp(`sqlflow: step 1/1 step-1 is Pending: pod ${job.podName(0)} container main ImagePullBackOff: Back-off pulling image "x" \\(nothing new for \\d+s\\)\\n`));
    await job.startStep(0);
    job.append(0, 'pulled at last\nand ran\n');
    await job.finishStep(0);
    await job.complete();
    assert.equal(await f.done, 0, f.io.err.join(''));
    assert.equal(f.io.out.join(''), 'pulled at last\nand ran\n');
  });

  test('a raw workflow: "step 1/?" while Argo has not created the later nodes, never a count below the steps seen', async () => {
    await createNamespace(kc, 'wait-raw');
    const job = await new FakeJob(kc, cp.kubelet!.logs, 'wait-raw', 'raw', 3, { raw: true }).create();
    await job.startStep(0);
    job.append(0, 'one\n');
    await job.finishStep(0);
    const f = follow('wait-raw', 'raw');
    await untilErr(f.io, /sqlflow: step 1\/\? p0: Succeeded \(exit code 0\)\n/);
    await untilErr(f.io, /sqlflow: waiting for Argo to start step 2 of workflow raw-wf, or to complete it \(nothing new for \d+s\)\n/);
    for (const i of [1, 2]) {
      await job.startStep(i);
      job.append(i, `${['one', 'two', 'three'][i]}\n`);
      await job.finishStep(i);
    }
    await job.complete();
    assert.equal(await f.done, 0, f.io.err.join(''));
    assert.equal(f.io.out.join(''), 'one\ntwo\nthree\n');
    const err = f.io.err.join('');
    assert.match(err, /sqlflow: step 2\/(\?|3) p1: Succeeded \(exit code 0\)\n/);
    assert.match(err, /sqlflow: step 3\/(\?|3) p2: Succeeded \(exit code 0\)\n/);
    assert.doesNotMatch(err, /step \d+\/[12] /, 'no count below the steps seen');
  });
});
