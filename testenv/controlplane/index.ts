// Launches a real control plane on this machine: etcd, kube-apiserver (RBAC on),
// kube-controller-manager (garbage collector, namespace and service-account
// controllers) and, optionally, the fake kubelet that serves pod logs. Used by the
// integration tests and by `npm run cluster:up`. Never imported by src/.
import { execFile } from 'node:child_process';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { resolveBinaries, type Binaries } from './binaries.ts';
import { CertAuthority, serviceAccountKeys } from './certs.ts';
import { writeKubeconfig, writeTokenKubeconfig } from './kubeconfig.ts';
import { freePort } from './ports.ts';
import { guard, killProcess, reapStale, startProcess, stopProcess, type Managed } from './processes.ts';
import { startFakeKubelet, type FakeKubelet } from '../kubelet/index.ts';

export { resolveBinaries } from './binaries.ts';
export type { FakeKubelet } from '../kubelet/index.ts';

const STATE_PREFIX = 'sqlflow-cp-';

export interface ControlPlaneOptions {
  /** State folder; default a fresh temporary one, removed on stop. */
  dir?: string;
  /** Start the fake kubelet and register its Node (default true). */
  kubelet?: boolean;
  /** Start kube-controller-manager (default true). */
  controllerManager?: boolean;
  /** Write an audit log at Metadata level to `<dir>/audit.log`. */
  audit?: boolean;
  /**
   * Serve a real node (testenv/node) instead of the fake kubelet: the apiserver listens on
   * and advertises the machine's own address (pods reach it there and through the
   * `kubernetes` Service), authorizes Node,RBAC with NodeRestriction, runs ServiceAccount
   * admission, and kcm adds the controllers pods and nodes need. Implies `kubelet: false`.
   */
  realNode?: RealNodeFlags;
  /** Extra kube-apiserver flags (fault tests: `--watch-cache=false` so watches read etcd directly). */
  apiserverArgs?: string[];
  log?: (msg: string) => void;
}

export interface RealNodeFlags {
  /** This machine's own address (read at start, never fixed). */
  address: string;
  /** The apiserver's port, chosen by the caller so it can guard it before anything listens. */
  apiPort: number;
}

/** kcm's controllers for a real node, beyond the fast tier's: kube-root-ca.crt for every pod's API volume, node taints, Deployments, Service endpoints. */
const REAL_NODE_CONTROLLERS = ['root-ca-certificate-publisher-controller', 'node-lifecycle-controller', 'deployment-controller', 'replicaset-controller', 'endpointslice-controller'];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ControlPlane {
  dir: string;
  server: string;
  kubeconfigPath: string;
  caFile: string;
  binaries: Binaries;
  /** The cluster's certificate authority (the real node issues its kubelet's certificates from it). */
  ca: CertAuthority;
  kubelet: FakeKubelet | undefined;
  auditLog: string | undefined;
  /** etcd's client URL (fault tests compact it). */
  etcdUrl: string;
  /**
   * SIGKILLs kube-apiserver, runs `whileDown` (if given), starts it again with the same flags, port and certificates,
   * and resolves once it is ready. etcd and the other processes keep running.
   */
  restartApiserver(whileDown?: () => Promise<void>): Promise<void>;
  /** A fresh admin KubeConfig (system:masters). */
  kubeConfig(): KubeConfig;
  /** A kubeconfig file for a client-certificate identity (no rights until RBAC grants some). */
  userKubeconfig(user: string, groups?: string[]): Promise<string>;
  /** A kubeconfig file for a bearer token. */
  tokenKubeconfig(name: string, token: string): Promise<string>;
  /** Runs kubectl (admin unless `kubeconfig` is given). */
  kubectl(args: string[], opts?: { kubeconfig?: string; input?: string }): Promise<RunResult>;
  stop(): Promise<void>;
}

function get(url: string, ca: Buffer, cert: Buffer, key: Buffer): Promise<number> {
  return new Promise((ok) => {
    const req = request(url, { ca, cert, key, timeout: 2000 }, (res) => {
      res.resume();
      ok(res.statusCode ?? 0);
    });
    req.on('error', () => ok(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, proc: Managed, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${proc.name} exited while starting; see ${proc.logFile}:\n${tail(proc.logFile)}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s; see ${proc.logFile}:\n${tail(proc.logFile)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
`;

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  // freePort's port is free when chosen, not when bound: any process's outgoing connection may take it from the same
  // ephemeral range in between (seen once with a benchmark beside the tests). A fresh start gets fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startControlPlaneOnce(opts);
    } catch (err) {
      const taken = /address already in use/.test(String((err as Error).message));
      if (!taken || opts.dir !== undefined || attempt >= 3) throw err;
      (opts.log ?? (() => {}))(`control plane: a port was taken before it was bound; starting again (${attempt}/3)`);
    }
  }
}

async function startControlPlaneOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log ?? (() => {});
  await reapStale(tmpdir(), STATE_PREFIX);
  const binaries = await resolveBinaries();
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), STATE_PREFIX)));
  await mkdir(dir, { recursive: true });
  await guard(dir, ownDir);
  const procs: Managed[] = [];
  let kubelet: FakeKubelet | undefined;
  const stopAll = async () => {
    await kubelet?.stop();
    for (const p of procs.reverse()) await stopProcess(p);
    procs.length = 0;
  };
  try {
    const pki = join(dir, 'pki');
    const ca = await CertAuthority.create(pki);
    const real = opts.realNode;
    // In-cluster clients dial the `kubernetes` Service (10.0.0.1) and its DNS names.
    const serving = await ca.serving('apiserver', real ? [real.address, '10.0.0.1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'] : []);
    const admin = await ca.client('admin', 'admin', ['system:masters']);
    const kubeletTls = await ca.serving('kubelet');
    const kubeletClient = await ca.client('apiserver-kubelet-client', 'kube-apiserver-kubelet-client', ['system:masters']);
    const sa = await serviceAccountKeys(pki);

    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), real?.apiPort ?? (await freePort())];
    log(`control plane: etcd on ${etcdPort}, kube-apiserver on ${apiPort}`);
    const etcd = await startProcess(dir, 'etcd', binaries.etcd, [
      '--name=local', `--data-dir=${join(dir, 'etcd')}`, '--unsafe-no-fsync=true',
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=local=http://127.0.0.1:${peerPort}`, '--log-level=warn',
    ]);
    procs.push(etcd);
    await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`).then((r) => r.ok).catch(() => false)), etcd, 30_000);

    const host = real?.address ?? '127.0.0.1';
    const server = `https://${host}:${apiPort}`;
    const apiArgs = [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`, `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${serving.cert}`, `--tls-private-key-file=${serving.key}`,
      `--secure-port=${apiPort}`, `--bind-address=${host}`, `--advertise-address=${host}`,
      '--service-cluster-ip-range=10.0.0.0/24', '--allow-privileged=true', `--client-ca-file=${ca.cert}`,
      `--service-account-issuer=${server}/`, `--service-account-key-file=${sa.pub}`, `--service-account-signing-key-file=${sa.key}`,
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-client-certificate=${kubeletClient.cert}`, `--kubelet-client-key=${kubeletClient.key}`,
      ...(real
        // The default endpoint reconciler publishes address:apiPort as the `kubernetes` Service's endpoint.
        ? ['--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', `--kubelet-certificate-authority=${ca.cert}`]
        // Loopback is no valid endpoint, and without pods nothing needs ServiceAccount admission.
        : ['--authorization-mode=RBAC', '--disable-admission-plugins=ServiceAccount', '--endpoint-reconciler-type=none']),
    ];
    let auditLog: string | undefined;
    apiArgs.push(...(opts.apiserverArgs ?? []));
    if (opts.audit) {
      auditLog = join(dir, 'audit.log');
      await writeFile(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
      apiArgs.push(`--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLog}`, '--audit-log-format=json');
    }
    let apiserver = await startProcess(dir, 'kube-apiserver', binaries['kube-apiserver'], apiArgs);
    procs.push(apiserver);
    const [caPem, certPem, keyPem] = [ca.cert, admin.cert, admin.key].map((f) => readFileSync(f));
    const apiReady = () => waitFor('kube-apiserver', async () => (await get(`${server}/readyz`, caPem!, certPem!, keyPem!)) === 200, apiserver, 120_000);
    await apiReady();
    const restartApiserver = async (whileDown?: () => Promise<void>) => {
      await killProcess(apiserver);
      await whileDown?.();
      const next = await startProcess(dir, 'kube-apiserver', binaries['kube-apiserver'], apiArgs);
      procs[procs.indexOf(apiserver)] = next;
      apiserver = next;
      await apiReady();
    };

    const kubeconfigPath = await writeKubeconfig(join(dir, 'admin.kubeconfig'), server, ca.cert, { name: 'admin', ...admin });
    if (opts.controllerManager !== false) {
      procs.push(await startProcess(dir, 'kube-controller-manager', binaries['kube-controller-manager'], [
        `--kubeconfig=${kubeconfigPath}`,
        `--controllers=${['garbage-collector-controller', 'namespace-controller', 'serviceaccount-controller', ...(real ? REAL_NODE_CONTROLLERS : [])].join(',')}`,
        '--leader-elect=false', '--use-service-account-credentials=false', '--secure-port=0',
        ...(real ? [`--root-ca-file=${ca.cert}`] : []),
      ]));
    }
    const makeKc = () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    };
    if (opts.kubelet !== false && !real) kubelet = await startFakeKubelet(makeKc(), kubeletTls);

    let users = 0;
    const cp: ControlPlane = {
      dir, server, kubeconfigPath, caFile: ca.cert, binaries, ca, kubelet, auditLog,
      etcdUrl: `http://127.0.0.1:${etcdPort}`, restartApiserver,
      kubeConfig: makeKc,
      userKubeconfig: async (user, groups = []) => {
        const pair = await ca.client(`user-${++users}`, user, groups);
        return writeKubeconfig(join(dir, `user-${users}.kubeconfig`), server, ca.cert, { name: user, ...pair });
      },
      tokenKubeconfig: (name, token) => writeTokenKubeconfig(join(dir, `token-${++users}.kubeconfig`), server, ca.cert, name, token),
      kubectl: (args, o = {}) => new Promise((ok) => {
        const child = execFile(binaries.kubectl, [`--kubeconfig=${o.kubeconfig ?? kubeconfigPath}`, ...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
          ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        });
        if (o.input !== undefined) child.stdin?.end(o.input);
        else child.stdin?.end();
      }),
      stop: async () => {
        await stopAll();
        if (ownDir) {
          const { rm } = await import('node:fs/promises');
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
    return cp;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
