// `sqlflow logs -f --server URL` saying what it waits for, as cli_wait_test.ts does through the Kubernetes API: the
// CLI cannot read pods through the v1 API, so the Fetch core's StepInfo carries what it needs — the pod's waiting
// reason (`waiting`) and whether the step count is final (`count_known`). A real apiserver, the real API server
// (auth off: its authorization is server_test.ts's subject), the job driven by hand (harness.ts). Every wait notice
// is due at once (SQLFLOW_WAIT_NOTICE_SECONDS=0), so nothing depends on timing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/io.ts';
import { patchOptions } from '../../src/kube/patch.ts';
import { startApiServer, type ApiServer } from '../../src/server/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { createNamespace, FakeJob, installCrds } from './harness.ts';

let cp: ControlPlane;
let kc: KubeConfig;
let server: ApiServer;
const keepAlive = setInterval(() => {}, 1000);
const savedNotice = process.env.SQLFLOW_WAIT_NOTICE_SECONDS;

before(async () => {
  process.env.SQLFLOW_WAIT_NOTICE_SECONDS = '0';
  cp = await startControlPlane();
  kc = cp.kubeConfig();
  await installCrds(cp);
  server = await startApiServer({ kc, port: 0, host: '127.0.0.1', auth: 'none' });
});
after(async () => {
  if (savedNotice === undefined) delete process.env.SQLFLOW_WAIT_NOTICE_SECONDS;
  else process.env.SQLFLOW_WAIT_NOTICE_SECONDS = savedNotice;
  await server?.close();
  await cp?.stop();
  clearInterval(keepAlive);
});

function captureIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', readFile: (p) => readFile(p, 'utf8') };
}

/** `sqlflow logs JOB -f --server …` running in the background. */
function follow(ns: string, job: string) {
  const io = captureIo();
  const done = main(['logs', job, '-f', '--server', `http://127.0.0.1:${server.port}`, '--auth-token', 'unused', '-n', ns], io);
  return { io, done };
}

async function untilErr(io: { err: string[] }, re: RegExp): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (re.test(io.err.join(''))) return;
    await sleep(50);
  }
  assert.fail(`stderr never matched ${re}:\n${io.err.join('')}`);
}

describe('sqlflow logs -f --server: what it waits for', () => {
  test("a Pending step: its pod's waiting reason, from the API's StepInfo.waiting; the log still comes exactly once", async () => {
    await createNamespace(kc, 'swait-pod');
    const job = await new FakeJob(kc, cp.kubelet!.logs, 'swait-pod', 'pull', 1).create();
    await job.createPod(0);
    await kc.makeApiClient(CoreV1Api).patchNamespacedPodStatus({
      namespace: 'swait-pod', name: job.podName(0),
      body: {
        status: {
          phase: 'Pending',
          containerStatuses: [{ name: 'main', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } }],
        },
      },
    }, patchOptions('strategic'));
    const f = follow('swait-pod', 'pull');
    await untilErr(f.io, new RegExp(`sqlflow: step 1/1 step-1 is Pending: pod ${job.podName(0)} container main ImagePullBackOff: Back-off pulling image "x" \\(nothing new for \\d+s\\)\\n`));
    await job.startStep(0);
    job.append(0, 'pulled at last\nand ran\n');
    await job.finishStep(0);
    await job.complete();
    assert.equal(await f.done, 0, f.io.err.join(''));
    assert.equal(f.io.out.join(''), 'pulled at last\nand ran\n');
  });

  test('a raw workflow: "step 1/?" while the count is not final (count_known), never a count below the steps seen', async () => {
    await createNamespace(kc, 'swait-raw');
    const job = await new FakeJob(kc, cp.kubelet!.logs, 'swait-raw', 'raw', 3, { raw: true }).create();
    await job.startStep(0);
    job.append(0, 'one\n');
    await job.finishStep(0);
    const f = follow('swait-raw', 'raw');
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
