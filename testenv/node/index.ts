// A real node on this machine, with the control plane it needs: etcd, kube-apiserver
// and kcm (testenv/controlplane with `realNode`), kube-scheduler, containerd + runc +
// the CNI bridge, kube-proxy and the kubelet v1.37.2. Runs as root and changes
// machine-wide state, so it takes a machine lock, records that state first and
// restores it on stop (restore.ts). No pod starts before the egress guard
// (egress.ts) is in place: the kubelet starts only after the guard is verified,
// and the CNI chain refuses sandboxes when it is gone. Never imported by src/.
import { CoreV1Api } from '@kubernetes/client-node';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../controlplane/binaries.ts';
import { resolveBinaries, startControlPlane, type ControlPlane } from '../controlplane/index.ts';
import { startProcess, stopProcess, type Managed } from '../controlplane/processes.ts';
import { freePort } from '../controlplane/ports.ts';
import { resolveNodeBinaries, type NodeBinaries } from './binaries.ts';
import { writeCni } from './cni.ts';
import { removeAllContainers, startContainerd, type Containerd } from './containerd.ts';
import { guardPorts, guardRules, installGuard } from './egress.ts';
import { snapshot, type HostState } from './hoststate.ts';
import { assertUnrouted, ensurePackages, hostAddress, unsupported } from './host.ts';
import { importImages, nodeImages } from './images.ts';
import { startKubelet } from './kubelet.ts';
import { lockMachine, otherHolder } from './lock.ts';
import { POD_CIDR } from './network.ts';
import { hasPrior, recordPrior, restoreHost } from './restore.ts';
import { exec } from './run.ts';

export { unsupported } from './host.ts';
export { BUSYBOX_IMAGE, PAUSE_IMAGE } from './images.ts';
export { guardRules, type GuardRule } from './egress.ts';
export { GUARD_RULES, GUARD_TABLE, POD_BRIDGE, POD_CIDR, SERVICE_CIDR } from './network.ts';

export const NODE_NAME = 'sqlflow-node';

/** The node's machine-wide state folder (one node per machine). */
export function nodeStateDir(): string {
  return join(cacheRoot(), 'real-node');
}

export interface RealNode {
  controlPlane: ControlPlane;
  nodeName: string;
  address: string;
  /** Imports docker-archive tars into the node's containerd (pods use them with imagePullPolicy Never). */
  importImages(tars: string[]): Promise<void>;
  /** Gives an imported image another name (e.g. the name a manifest uses). */
  tagImage(source: string, target: string): Promise<void>;
  /** Keeps these host ports off every interface but loopback and the pod bridge (call before listening on the node address). */
  guardPorts(ports: number[]): Promise<void>;
  /** Stops everything and restores the machine; returns what still differs from before (empty: as found). */
  stop(): Promise<string[]>;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not reached within ${timeoutMs / 1000}s${logFile ? `; see ${logFile}` : ''}`);
}

/**
 * The machine's state while no real node runs: taken under the machine lock (queueing behind another
 * run's node as SQLFLOW_REAL_NODE_WAIT allows), so a test's before/after comparison never sees another
 * run's node.
 */
export async function snapshotWhenFree(log: (m: string) => void = () => {}): Promise<HostState> {
  await mkdir(nodeStateDir(), { recursive: true });
  const unlock = await lockMachine(join(cacheRoot(), 'real-node.lock'), log);
  try {
    return await snapshot(nodeStateDir());
  } finally {
    await unlock();
  }
}

/** Undoes a run whose owner died before restoring (cluster:down calls this too). */
export async function restoreLeftovers(log: (m: string) => void): Promise<string[]> {
  const state = nodeStateDir();
  if (!hasPrior(state)) return [];
  // A live node of another process (another checkout's cluster, a test run) owns that record: restoring now
  // would pull its netfilter guard, bridge and mounts from under its running pods.
  const holder = await otherHolder(join(cacheRoot(), 'real-node.lock'));
  if (holder) {
    log(`real node: process ${holder} runs a real node on this machine; leaving its state alone`);
    return [];
  }
  log('real node: restoring the machine from an earlier run that did not finish');
  return restoreHost(state, [join(state, 'run')], log);
}

export async function startRealNode(opts: { log?: (m: string) => void } = {}): Promise<RealNode> {
  const t0 = Date.now();
  const say = opts.log ?? (() => {});
  const log = (m: string) => say(`${m} (+${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  const why = unsupported();
  if (why) throw new Error(why);
  const state = nodeStateDir();
  await mkdir(state, { recursive: true });
  const unlock = await lockMachine(join(cacheRoot(), 'real-node.lock'), log);
  const run = join(state, 'run');
  const procs: Managed[] = [];
  let cp: ControlPlane | undefined;
  let containerd: Containerd | undefined;
  let bins: NodeBinaries | undefined;
  let stopped = false;
  const stop = async (): Promise<string[]> => {
    if (stopped) return [];
    stopped = true;
    const s0 = Date.now();
    const kubelet = procs.find((p) => p.name === 'kubelet');
    if (kubelet) await stopProcess(kubelet, 10_000);
    if (containerd) {
      await removeAllContainers(containerd.ctr);
      await stopProcess(containerd.proc, 10_000);
    }
    for (const p of procs.filter((x) => x.name !== 'kubelet').reverse()) await stopProcess(p);
    if (bins) await exec(bins['kube-proxy'], ['--cleanup', '--proxy-mode=iptables']);
    await cp?.stop();
    const left = await restoreHost(state, [run], log);
    say(`real node: stopped and machine restored in ${((Date.now() - s0) / 1000).toFixed(1)}s`);
    await unlock();
    return left;
  };
  try {
    const restored = await restoreLeftovers(log);
    if (restored.length) throw new Error(`an earlier real node left the machine changed and it could not be restored:\n  ${restored.join('\n  ')}`);
    await ensurePackages(log);
    await resolveBinaries();
    const [nodeBins, images] = [await resolveNodeBinaries(log), await nodeImages(log)];
    bins = nodeBins;
    const address = await hostAddress();
    await assertUnrouted(POD_CIDR);
    await recordPrior(state);
    await rm(run, { recursive: true, force: true });
    await mkdir(run, { recursive: true });

    const [apiPort, kubeletPort, kubeletHealthz, proxyHealthz, proxyMetrics] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    // The guard first: it also keeps the ports below off every interface but loopback and the pod bridge.
    await installGuard([apiPort, kubeletPort]);
    await guardRules();
    log(`real node: egress guard installed; node address ${address}, apiserver ${address}:${apiPort}`);

    cp = await startControlPlane({ dir: run, realNode: { address, apiPort }, log });
    log('real node: control plane ready');
    const admin = cp.kubeconfigPath;
    procs.push(await startProcess(run, 'kube-scheduler', nodeBins['kube-scheduler'], [`--kubeconfig=${admin}`, '--leader-elect=false', '--secure-port=0']));
    const cni = await writeCni(run);
    containerd = await startContainerd(run, cni);
    await importImages(containerd.ctr, images);
    log('real node: containerd up, images imported');
    await guardRules(); // refuse to start the kubelet (hence any pod) without the guard
    const kubelet = await startKubelet(cp, {
      binary: nodeBins.kubelet, runDir: run, nodeName: NODE_NAME, address, port: kubeletPort, healthzPort: kubeletHealthz, containerdSocket: containerd.socket,
    });
    procs.push(kubelet);
    log('real node: kubelet started');
    // kube-proxy waits up to 30 s for its Node object, so it starts once the kubelet does.
    const proxy = await startProcess(run, 'kube-proxy', nodeBins['kube-proxy'], [
      // --bind-address: the node's address is known here, so kube-proxy need not derive it.
      `--kubeconfig=${admin}`, `--hostname-override=${NODE_NAME}`, `--bind-address=${address}`, '--nodeport-addresses=primary',
      '--proxy-mode=iptables', `--cluster-cidr=${POD_CIDR}`,
      // Zero: leave the machine's conntrack sysctls alone.
      '--conntrack-max-per-core=0', '--conntrack-tcp-timeout-established=0', '--conntrack-tcp-timeout-close-wait=0',
      '--iptables-localhost-nodeports=false', `--metrics-bind-address=127.0.0.1:${proxyMetrics}`, `--healthz-bind-address=127.0.0.1:${proxyHealthz}`,
    ]);
    procs.push(proxy);
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    await waitUntil('node Ready', async () => {
      const n = await core.readNode({ name: NODE_NAME });
      return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && !n.spec?.taints?.length;
    }, 120_000, kubelet.logFile);
    // Pods reach the API through the `kubernetes` Service: kube-proxy's rules must exist before `up` returns.
    await waitUntil('kube-proxy\'s rules for the kubernetes Service', async () => (await exec('iptables-save', ['-t', 'nat'])).stdout.includes('default/kubernetes:https'), 60_000, proxy.logFile);
    log('real node: kube-proxy synced');
    await waitUntil('default ServiceAccount and kube-root-ca.crt', async () => {
      await core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' });
      await core.readNamespacedConfigMap({ namespace: 'default', name: 'kube-root-ca.crt' });
      return true;
    }, 60_000);
    log(`real node: ${NODE_NAME} Ready`);
    const ctr = containerd.ctr;
    return {
      controlPlane: cp, nodeName: NODE_NAME, address, stop, guardPorts,
      importImages: (tars) => importImages(ctr, tars),
      tagImage: async (source, target) => {
        await exec('ctr', [...ctr, '-n', 'k8s.io', 'images', 'rm', target]);
        const r = await exec('ctr', [...ctr, '-n', 'k8s.io', 'images', 'tag', source, target]);
        if (r.code !== 0) throw new Error(`tagging ${source} as ${target}: ${r.stderr.trim()}`);
      },
    };
  } catch (err) {
    const left = await stop().catch((e: Error) => [`stopping failed: ${e.message}`]);
    if (left.length) log(`real node: after the failed start the machine still differs:\n  ${left.join('\n  ')}`);
    throw err;
  }
}
