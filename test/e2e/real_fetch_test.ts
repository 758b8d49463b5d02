// Fetch exactly-once on the real stack: a job of 3 steps × 100,000 lines, printed in bursts by real pods
// on the real kubelet, read from outside the cluster by `sqlflow logs -f` (through the Kubernetes API) and
// by a Connect client through the operator's Service. Midway the Connect reader's replica may vanish: the
// leader pod is deleted, and a new client resumes from the last token it saved. Both readers must get
// every line exactly once, in order. Needs Linux, root and apt (CI has them); elsewhere it fails naming
// why, unless SQLFLOW_E2E=skip.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { SQLFlowService } from '../../src/gen/sqlflow/v1/sqlflow_pb.ts';
import { unsupported } from '../../testenv/node/index.ts';
import { startRealStack, type RealStack } from '../../testenv/realstack/index.ts';
import { Jobs } from '../support/jobs.ts';
import { ROOT, secs } from './realstack_support.ts';
import { cannotRun } from './cannot_run.ts';

const why = unsupported();
process.env.SQLFLOW_REAL_NODE_WAIT ??= '2400';
const LONG = { timeout: 2_400_000 };
const STEPS = ['a', 'b', 'c'];
const LINES = 100_000;
const BURSTS = 10;

// Each step prints "<step> <n>" for n = 1..LINES in BURSTS bursts with a pause between, so the readers
// meet a log that grows in jumps while they read it. No shell: awk's own loop (its system() runs
// sleep inside the container).
const printer = (step: string) => ({
  name: `print-${step}`,
  container: {
    image: 'busybox',
    command: ['awk', '-v', `s=${step}`, '-v', `n=${LINES}`, '-v', `b=${BURSTS}`,
      'BEGIN { per = n / b; for (k = 0; k < b; k++) { for (i = 1; i <= per; i++) printf "%s %d\\n", s, k * per + i; fflush(); system("sleep 0.3") } }'],
  },
});

/** Checks that `lines` are every step's lines 1..LINES, each once, steps in program order. */
function assertExactlyOnce(who: string, lines: string[]): void {
  assert.equal(lines.length, STEPS.length * LINES, `${who}: ${lines.length} lines, expected ${STEPS.length * LINES}`);
  for (let s = 0; s < STEPS.length; s++) {
    for (let i = 0; i < LINES; i++) {
      const want = `${STEPS[s]} ${i + 1}`;
      const got = lines[s * LINES + i];
      if (got !== want) assert.fail(`${who}: line ${s * LINES + i + 1} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)} (a line lost, repeated or out of order)`);
    }
  }
}

if (why) {
  cannotRun('e2e tier: Fetch on the real stack', why);
} else {
  describe('e2e tier: Fetch on the real stack', () => {
    let stack: RealStack;
    let kc: KubeConfig;
    let jobs: Jobs;
    let token: string;

    before(async () => {
      const t0 = Date.now();
      stack = await startRealStack({ log: (m) => console.error(m), samples: false });
      console.error(`e2e: real stack up in ${secs(t0)}s (${stack.phases.map(([p, s]) => `${p} ${s.toFixed(1)}s`).join(', ')})`);
      kc = new KubeConfig();
      kc.loadFromFile(stack.kubeconfig);
      jobs = new Jobs(kc);
      // A reader's ServiceAccount with the shipped viewer role; its token goes in a header, never an argument.
      const kubectl = async (args: string[]) => {
        const r = await stack.node.controlPlane.kubectl(args);
        assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
        return r.stdout;
      };
      await kubectl(['create', 'serviceaccount', 'fetch-reader']);
      await kubectl(['create', 'rolebinding', 'fetch-reader', '--clusterrole=sqlflowjob-viewer', '--serviceaccount=default:fetch-reader']);
      token = (await kubectl(['create', 'token', 'fetch-reader', '--duration=2h'])).trim();
    }, LONG);

    after(async () => {
      if (stack) assert.deepEqual(await stack.stop(), [], 'the machine is as it was');
    }, LONG);

    it('3 steps × 100,000 lines in bursts: `sqlflow logs -f` and Connect Fetch get each line once, in order, across a leader pod deleted midway', LONG, async () => {
      await jobs.create('burst', {
        workflow: {
          apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'burst-' },
          spec: { entrypoint: 'main', templates: [{ name: 'main', steps: STEPS.map((s) => [{ name: s, template: `print-${s}` }]) }, ...STEPS.map(printer)] },
        },
      });
      const t0 = Date.now();
      const env = { ...process.env, KUBECONFIG: stack.kubeconfig };
      const cli = followCli(env);
      const api = readThroughApi(stack, kc, token);
      const [cliLines, apiRead] = await Promise.all([cli, api]);
      console.error(`e2e: both readers done in ${secs(t0)}s; Connect: ${apiRead.calls} Fetch calls, ${apiRead.retries} failed and retried after the leader pod ${apiRead.deleted} was deleted`);
      assertExactlyOnce('sqlflow logs -f', cliLines);
      assertExactlyOnce('Connect Fetch', apiRead.lines);
      assert.equal(apiRead.phase, 'Succeeded');
      assert.ok(apiRead.deleted, 'the leader pod was deleted while the Connect reader read');
      const j = await jobs.get('burst');
      assert.equal(j.status?.phase, 'Succeeded');
      assert.equal(j.status?.progress, '3/3');
    });
  });
}

/** `sqlflow logs -f burst` from this machine, as a user types it; resolves with its stdout lines. */
function followCli(env: NodeJS.ProcessEnv): Promise<string[]> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'logs', '-f', 'burst'], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`sqlflow logs -f burst exited ${code}: ${err.slice(-2000)}`));
      const text = Buffer.concat(out).toString('utf8');
      ok(text.split('\n').filter((l) => l !== ''));
    });
  });
}

interface ApiRead {
  lines: string[];
  phase: string;
  calls: number;
  retries: number;
  deleted: string;
}

/**
 * Fetch until eof through the operator's Service, saving the token after every answer. Once a third of
 * the lines are in, the leader pod is deleted; from then on each call uses a fresh client (a new
 * connection, as a restarted program would), resuming from the saved token, retrying while the Service
 * still points at a pod that is going away.
 */
async function readThroughApi(stack: RealStack, kc: KubeConfig, token: string): Promise<ApiRead> {
  const headers = { Authorization: `Bearer ${token}` };
  const connect = (): Client<typeof SQLFlowService> => createClient(SQLFlowService, createConnectTransport({ baseUrl: stack.apiUrl, httpVersion: '1.1' }));
  let client = connect();
  const lines: string[] = [];
  let saved = '';
  let calls = 0;
  let retries = 0;
  let deleted = '';
  const deadline = Date.now() + 1_500_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`Connect reader: no eof within 25 min (${lines.length} lines read)`);
    let r;
    try {
      calls++;
      r = await client.fetch(saved
        ? { token: saved, waitSeconds: 10 }
        : { job: { namespace: 'default', name: 'burst' }, fromBeginning: true, waitSeconds: 10 }, { headers, timeoutMs: 60_000 });
    } catch (e) {
      // Only expected once the leader pod is gone: its connections break until the Service drops it.
      if (!deleted) throw e;
      retries++;
      await new Promise((res) => setTimeout(res, 500));
      client = connect();
      continue;
    }
    for (const l of r.lines) if (!l.notice) lines.push(l.text);
    saved = r.token;
    if (deleted) client = connect();
    if (!deleted && lines.length >= LINES / 3) deleted = await deleteLeader(kc);
    if (r.eof) return { lines, phase: r.jobPhase, calls, retries, deleted };
  }
}

async function deleteLeader(kc: KubeConfig): Promise<string> {
  const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: 'sqlflow-system', name: 'sqlflow-operator-leader' });
  const pod = (lease.spec?.holderIdentity ?? '').replace(/_[0-9a-f]+$/, '');
  assert.match(pod, /^sqlflow-operator-/, `Lease holder ${lease.spec?.holderIdentity}`);
  await kc.makeApiClient(CoreV1Api).deleteNamespacedPod({ namespace: 'sqlflow-system', name: pod });
  console.error(`e2e: deleted the leader pod ${pod}`);
  return pod;
}
