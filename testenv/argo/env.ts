// A container's environment as the kubelet builds it (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables):
// in order, each value `$(VAR)`-expanded against the variables defined before it; valueFrom read through
// the API. A missing Secret/ConfigMap or key that is not optional is the kubelet's CreateContainerConfigError.
import { CoreV1Api, type KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { expand, mappingFor } from './expand.ts';

export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

function fieldValue(pod: V1Pod, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]!] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.podIP': return '127.0.0.1';
    default: throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

/** The container's declared variables, resolved and expanded, in declaration order (later wins). */
export async function containerEnv(kc: KubeConfig, pod: V1Pod, ctr: V1Container): Promise<Map<string, string>> {
  const core = kc.makeApiClient(CoreV1Api);
  const ns = pod.metadata!.namespace!;
  const vars = new Map<string, string>();
  const secrets = new Map<string, Record<string, string> | null>();
  const configMaps = new Map<string, Record<string, string> | null>();
  for (const e of ctr.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom?.secretKeyRef) {
      const { name = '', key, optional } = e.valueFrom.secretKeyRef;
      if (!secrets.has(name)) {
        try {
          const s = await core.readNamespacedSecret({ name, namespace: ns });
          secrets.set(name, Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])));
        } catch (err) {
          if (!isNotFound(err)) throw err;
          secrets.set(name, null);
        }
      }
      const data = secrets.get(name);
      if (data === null) {
        if (optional) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      value = data?.[key];
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
      }
    } else if (e.valueFrom?.configMapKeyRef) {
      const { name = '', key, optional } = e.valueFrom.configMapKeyRef;
      if (!configMaps.has(name)) {
        try {
          const c = await core.readNamespacedConfigMap({ name, namespace: ns });
          configMaps.set(name, { ...c.data });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          configMaps.set(name, null);
        }
      }
      const data = configMaps.get(name);
      if (data === null) {
        if (optional) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      value = data?.[key];
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
      }
    } else if (e.valueFrom?.fieldRef) {
      value = fieldValue(pod, e.valueFrom.fieldRef.fieldPath);
    } else if (e.valueFrom) {
      throw new ContainerConfigError(`env ${e.name}: only secretKeyRef, configMapKeyRef and fieldRef are supported by the local Argo`);
    } else {
      value = expand(e.value ?? '', mappingFor(vars));
    }
    vars.set(e.name, value);
  }
  return vars;
}

/** command + args with `$(VAR)` expanded against the container's variables; without a command, args are the command. */
export function containerArgv(ctr: V1Container, vars: ReadonlyMap<string, string>): string[] {
  const m = mappingFor(vars);
  return [...(ctr.command ?? []), ...(ctr.args ?? [])].map((s) => expand(s, m));
}
