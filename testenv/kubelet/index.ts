// A fake kubelet: a Node object pointing at an HTTPS server on 127.0.0.1 that serves
// container logs from a LogStore. The local Argo appends its steps' output here.
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { LogStore } from './logstore.ts';
import { startKubeletServer } from './server.ts';

export { LogStore, formatTimestamp, parseTimestamp, nowNanos } from './logstore.ts';

export const NODE_NAME = 'local-node';

export interface FakeKubelet {
  nodeName: string;
  port: number;
  logs: LogStore;
  stop(): Promise<void>;
}

export async function startFakeKubelet(kc: KubeConfig, tls: { cert: string; key: string }, nodeName = NODE_NAME): Promise<FakeKubelet> {
  const logs = new LogStore();
  const srv = await startKubeletServer(logs, tls);
  const core = kc.makeApiClient(CoreV1Api);
  const now = new Date();
  const node: V1Node = {
    metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'type': 'fake-kubelet' } },
    spec: {},
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: srv.port } },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'fake kubelet is serving logs', lastHeartbeatTime: now, lastTransitionTime: now }],
      nodeInfo: {
        architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake', kubeProxyVersion: '', bootID: '', machineID: '',
        systemUUID: '', containerRuntimeVersion: 'local-process://1', kernelVersion: '', osImage: 'local processes',
      },
    },
  };
  try {
    await core.deleteNode({ name: nodeName });
  } catch {
    // absent: fine
  }
  const created = await core.createNode({ body: node });
  // Some apiserver versions drop status on create; write it again through the subresource to be sure.
  if (!created.status?.daemonEndpoints?.kubeletEndpoint?.Port) {
    await core.replaceNodeStatus({ name: nodeName, body: { ...created, status: node.status } });
  }
  return {
    nodeName,
    port: srv.port,
    logs,
    stop: () => srv.close(),
  };
}
