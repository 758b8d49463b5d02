// The e2e tier's node: `cluster:up -- --node=real` brings up a real kubelet +
// containerd node with its egress guard, a busybox pod runs there and its log reads
// back through the apiserver and the real kubelet, and `cluster:down` leaves the
// machine as it found it. Needs Linux, root and apt (CI has them); elsewhere it
// fails naming why, unless SQLFLOW_E2E=skip says that is expected.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { BUSYBOX_IMAGE, GUARD_RULES, guardRules, NODE_NAME, POD_CIDR, snapshotWhenFree, unsupported } from '../../testenv/node/index.ts';
import { differences, type HostState } from '../../testenv/node/hoststate.ts';
import { ensurePackages } from '../../testenv/node/host.ts';
import { raw, until } from '../support/http.ts';
import { cannotRun } from './cannot_run.ts';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const cli = join(root, 'testenv', 'cli.ts');
const why = unsupported();
// Queue behind another test run's real node on this machine instead of failing at once.
process.env.SQLFLOW_REAL_NODE_WAIT ??= '2400';

function run(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(args[0]!, args.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => {}); // a command that never reads its input
    child.stdin.end(input ?? '');
  });
}

if (why) {
  cannotRun('e2e tier: real node', why);
} else {
  describe('e2e tier: real node', () => {
    let clusterDir: string;
    let env: NodeJS.ProcessEnv;
    let priorState: HostState;
    let upOut: { code: number; stdout: string; stderr: string };
    let kc: KubeConfig;
    let core: CoreV1Api;
    let downDone = false;

    const cliCmd = (sub: string, ...flags: string[]) => run([process.execPath, ...process.execArgv, cli, sub, ...flags], env);

    before(async () => {
      clusterDir = await mkdtemp(join(tmpdir(), 'sqlflow-e2e-cluster-'));
      env = { ...process.env, SQLFLOW_CLUSTER_DIR: clusterDir };
      // The snapshot reads nft and iptables: on a fresh machine their packages come first (a lasting change, on purpose).
      await ensurePackages((m) => console.error(m));
      priorState = await snapshotWhenFree((m) => console.error(m));
      const t0 = Date.now();
      upOut = await cliCmd('up', '--node=real');
      console.error(`e2e: cluster:up --node=real took ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      assert.equal(upOut.code, 0, `cluster:up failed:\n${upOut.stderr}\n${upOut.stdout}`);
      const last = upOut.stdout.trim().split('\n').at(-1)!;
      kc = new KubeConfig();
      kc.loadFromFile(last.replace(/^export KUBECONFIG=/, ''));
      core = kc.makeApiClient(CoreV1Api);
    });

    after(async () => {
      if (!downDone) await cliCmd('down');
      await rm(clusterDir, { recursive: true, force: true });
    });

    it('up prints `export KUBECONFIG=…` last', () => {
      const lines = upOut.stdout.trim().split('\n');
      assert.match(lines.at(-1)!, /^export KUBECONFIG=\/\S+$/);
    });

    it('registers a Ready node: kubelet v1.37.2 on containerd, untainted', async () => {
      const node = await core.readNode({ name: NODE_NAME });
      assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.37.2');
      assert.match(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
      assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      assert.deepEqual(node.spec?.taints ?? [], []);
    });

    it('has the egress guard in place, every drop rule counted', async () => {
      const rules = await guardRules();
      assert.deepEqual(rules.map((r) => r.comment).sort(), Object.values(GUARD_RULES).sort());
      for (const r of rules) {
        assert.ok(Number.isInteger(r.packets) && r.packets >= 0, `${r.comment}: packets ${r.packets}`);
        assert.ok(Number.isInteger(r.bytes) && r.bytes >= 0, `${r.comment}: bytes ${r.bytes}`);
      }
    });

    it('refuses a pod network when the guard is missing (the CNI guard plugin)', async () => {
      const guard = join(root, 'testenv', 'node', 'cni-guard.ts');
      const conf = JSON.stringify({ cniVersion: '0.4.0', table: 'sqlflow_no_such_table', rules: Object.values(GUARD_RULES), prevResult: { cniVersion: '0.4.0' } });
      const r = await run([process.execPath, '--no-warnings', guard], { ...process.env, CNI_COMMAND: 'ADD' }, conf);
      assert.equal(r.code, 1);
      assert.match(JSON.parse(r.stdout).msg, /egress guard missing/);
      const okConf = JSON.stringify({ cniVersion: '0.4.0', table: 'sqlflow_node_guard', rules: Object.values(GUARD_RULES), prevResult: { cniVersion: '0.4.0', ips: [] } });
      const ok = await run([process.execPath, '--no-warnings', guard], { ...process.env, CNI_COMMAND: 'ADD' }, okConf);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), { cniVersion: '0.4.0', ips: [] });
    });

    it('runs a busybox pod; its log reads back with timestamps, sinceTime and limitBytes', async () => {
      const name = 'busybox-log';
      await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'main', image: BUSYBOX_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', 'for i in 1 2 3 4; do echo "line $i"; sleep 1; done'] }],
          },
        },
      });
      const pod = await until('the busybox pod to succeed', async () => {
        const p = await core.readNamespacedPod({ namespace: 'default', name });
        if (p.status?.phase === 'Failed') throw new Error(`pod failed: ${JSON.stringify(p.status)}`);
        return p.status?.phase === 'Succeeded' ? p : undefined;
      }, 120_000, 300);
      assert.equal(pod.spec?.nodeName, NODE_NAME);
      assert.ok(pod.status?.podIP?.startsWith(POD_CIDR.replace(/\.0\/24$/, '.')), `pod IP ${pod.status?.podIP} in ${POD_CIDR}`);
      const log = async (q: Record<string, string>) => {
        const r = await raw(kc, 'GET', `/api/v1/namespaces/default/pods/${name}/log?${new URLSearchParams({ container: 'main', ...q })}`);
        assert.equal(r.status, 200, r.body);
        return r.body;
      };
      assert.equal(await log({}), 'line 1\nline 2\nline 3\nline 4\n');
      const stamped = (await log({ timestamps: 'true' })).trim().split('\n').map((l) => {
        const [ts, ...rest] = l.split(' ');
        return { ts: ts!, text: rest.join(' ') };
      });
      assert.deepEqual(stamped.map((l) => l.text), ['line 1', 'line 2', 'line 3', 'line 4']);
      // The lines are a second apart, so line 3's second excludes lines 1 and 2 whatever the load.
      const since = new Date(Math.floor(Date.parse(stamped[2]!.ts) / 1000) * 1000);
      const expected = stamped.filter((l) => Date.parse(l.ts) >= since.getTime()).map((l) => l.text + '\n').join('');
      assert.equal(await log({ sinceTime: since.toISOString().replace(/\.\d+Z$/, 'Z') }), expected);
      assert.equal(await log({ limitBytes: '10' }), 'line 1\nlin');
      await core.deleteNamespacedPod({ namespace: 'default', name, gracePeriodSeconds: 0 });
    });

    it('routes the service range through kube-proxy: a pod reaches the apiserver at 10.0.0.1:443', async () => {
      const name = 'busybox-service';
      // Plain HTTP to a Go TLS server gets a fixed plain-text answer: proof the connection reached the apiserver.
      await core.createNamespacedPod({
        namespace: 'default',
        body: {
          metadata: { name },
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'main', image: BUSYBOX_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', 'echo "to $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"; printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc "$KUBERNETES_SERVICE_HOST" "$KUBERNETES_SERVICE_PORT"'] }],
          },
        },
      });
      const pod = await until('the service pod to finish', async () => {
        const p = await core.readNamespacedPod({ namespace: 'default', name });
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
      }, 120_000, 300);
      const r = await raw(kc, 'GET', `/api/v1/namespaces/default/pods/${name}/log`);
      assert.match(r.body, /Client sent an HTTP request to an HTTPS server/, `pod ${pod.status?.phase}, log: ${r.body}`);
      assert.match(r.body, /^to 10\.0\.0\.1:443\n/, 'the kubelet hands pods the kubernetes Service address');
      await core.deleteNamespacedPod({ namespace: 'default', name, gracePeriodSeconds: 0 });
    });

    it('drops and counts what a pod sends outside the pod network, before it reaches any device', async () => {
      // Never off the machine: the target range is routed into a bridge without ports, which can hand a packet to
      // nobody. The guard must drop the packets before that: its counter rises and the kernel never looks up
      // the target's neighbour entry on that bridge (it would, for any packet routed out there). The bridge's own
      // transmit counter is no witness: the kernel sends link-local chatter on any interface that is up.
      const dev = 'sqlfe2e0';
      const target = '198.51.100.7'; // TEST-NET-2, documentation only
      const ip = (...a: string[]) => run(['ip', ...a], process.env);
      const counted = async () => (await guardRules()).find((r) => r.comment === GUARD_RULES.podEgress)!.packets;
      assert.equal((await ip('link', 'add', dev, 'type', 'bridge')).code, 0);
      try {
        assert.equal((await ip('link', 'set', dev, 'up')).code, 0);
        assert.equal((await ip('route', 'add', '198.51.100.0/24', 'dev', dev)).code, 0);
        // Send nothing unless the kernel really routes the range into that bridge (never via the default route).
        for (const addr of [target, '198.51.100.8']) {
          const route = JSON.parse((await ip('-j', 'route', 'get', addr)).stdout || '[]') as Array<{ dev?: string }>;
          assert.equal(route[0]?.dev, dev, `${addr} must route into ${dev}, not off the machine`);
        }
        const before = await counted();
        const name = 'busybox-egress';
        await core.createNamespacedPod({
          namespace: 'default',
          body: {
            metadata: { name },
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: BUSYBOX_IMAGE, imagePullPolicy: 'Never', command: ['sh', '-c', `nc -w 2 ${target} 80 </dev/null; echo "nc exit $?"`] }],
            },
          },
        });
        await until('the egress pod to finish', async () => {
          const p = await core.readNamespacedPod({ namespace: 'default', name });
          return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
        }, 120_000, 300);
        const r = await raw(kc, 'GET', `/api/v1/namespaces/default/pods/${name}/log`);
        assert.match(r.body, /nc exit [1-9]/, `the connection must fail: ${r.body}`);
        assert.ok((await counted()) > before, `the guard's "${GUARD_RULES.podEgress}" counter rose`);
        const neighbour = async (addr: string) => (await ip('neigh', 'show', addr, 'dev', dev)).stdout.trim();
        assert.equal(await neighbour(target), '', 'no neighbour lookup for the target: no packet was routed out');
        // The witness works: a datagram the host itself sends there (not forwarded, so the guard lets it be) does
        // create the entry, and the portless bridge keeps it on the machine.
        const witness = '198.51.100.8';
        const sock = createSocket('udp4');
        await new Promise<void>((ok, fail) => sock.send('x', 9, witness, (e) => (e ? fail(e) : ok())));
        sock.close();
        await until('the witness neighbour entry', async () => (await neighbour(witness)) !== '', 10_000, 100);
        await core.deleteNamespacedPod({ namespace: 'default', name, gracePeriodSeconds: 0 });
      } finally {
        await ip('link', 'del', dev); // its route goes with it
      }
    });

    it('down leaves the machine as it found it', async () => {
      const t0 = Date.now();
      const r = await cliCmd('down');
      downDone = true;
      console.error(`e2e: cluster:down took ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      assert.equal(r.code, 0, `cluster:down failed:\n${r.stderr}\n${r.stdout}`);
      assert.deepEqual(differences(priorState, await snapshotWhenFree((m) => console.error(m))), []);
    });
  });
}
