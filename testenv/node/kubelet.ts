// The kubelet for the real node. Facts from the probe: `failCgroupV1: false` (these
// machines run cgroup v1, which 1.37 refuses by default), the cgroupfs driver
// (containerd 1.6 cannot report one), no iptables utility chains, and
// protectKernelDefaults false, so the kubelet sets its kernel tunables (vm.*,
// kernel.panic*) — restore.ts writes them back. It listens on the node's address
// only; the egress guard keeps that port off every other interface.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ControlPlane } from '../controlplane/index.ts';
import { startProcess, type Managed } from '../controlplane/processes.ts';

export interface KubeletOptions {
  binary: string;
  runDir: string;
  nodeName: string;
  address: string;
  port: number;
  healthzPort: number;
  containerdSocket: string;
}

export async function startKubelet(cp: ControlPlane, o: KubeletOptions): Promise<Managed> {
  const dir = join(o.runDir, 'kubelet');
  await mkdir(join(dir, 'manifests'), { recursive: true });
  const tls = await cp.ca.serving('kubelet-node', [o.address, o.nodeName]);
  const kubeconfig = await cp.userKubeconfig(`system:node:${o.nodeName}`, ['system:nodes']);
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    failCgroupV1: false,
    failSwapOn: false,
    cgroupDriver: 'cgroupfs',
    cgroupsPerQOS: true,
    containerRuntimeEndpoint: `unix://${o.containerdSocket}`,
    address: o.address,
    port: o.port,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: o.healthzPort,
    tlsCertFile: tls.cert,
    tlsPrivateKeyFile: tls.key,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: cp.caFile } },
    authorization: { mode: 'Webhook' },
    clusterDomain: 'cluster.local',
    clusterDNS: [],
    resolvConf: '/etc/resolv.conf',
    staticPodPath: join(dir, 'manifests'),
    podLogsDir: join(dir, 'pod-logs'),
    serializeImagePulls: false,
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    enforceNodeAllocatable: ['pods'],
    protectKernelDefaults: false,
    makeIPTablesUtilChains: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
    registerNode: true,
    maxPods: 50,
  };
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 1));
  return startProcess(o.runDir, 'kubelet', o.binary, [
    `--config=${join(dir, 'config.json')}`, `--kubeconfig=${kubeconfig}`, `--root-dir=${join(dir, 'root')}`,
    `--cert-dir=${join(dir, 'pki')}`, `--hostname-override=${o.nodeName}`, `--node-ip=${o.address}`, '--v=2',
  ]);
}
