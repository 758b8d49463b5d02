// The kubelet half of the local Argo: runs the workflow pods bound to the fake kubelet's node as local
// processes, writes their status through pods/status the way a kubelet moves a pod (Pending → Running →
// Succeeded/Failed) and feeds the fake kubelet's log store, so `kubectl logs` works as on a cluster.
import { mkdtemp, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig, type V1ContainerStatus, type V1Pod, type V1PodStatus } from '@kubernetes/client-node';
import { patchOptions } from '../../src/kube/index.ts';
import type { LogStore } from '../kubelet/logstore.ts';
import { TERMINATION_MESSAGE_PATH_ENV, terminationMessage } from '../kubelet/termination.ts';
import { ContainerConfigError, containerArgv, containerEnv } from './env.ts';
import { EXECUTOR_IMAGE, SCRIPT_SOURCE_PATH, isTerminalPodPhase } from './pods.ts';
import { runProcess, type RunningProcess } from './runner.ts';
import { emissaryExitLines } from './emissary.ts';
import type { Template } from './types.ts';

export interface PodRunnerOptions {
  kc: KubeConfig;
  nodeName: string;
  logs: LogStore;
  /** Directories put first on every process's PATH (the cowsay shim). */
  extraPath: string[];
  log: (msg: string) => void;
}

interface Entry {
  ns: string;
  name: string;
  proc?: RunningProcess;
  stopped: boolean;
  retry?: NodeJS.Timeout;
  mainImage: string;
  finalizing?: boolean;
  /** Serialises this pod's status writes. */
  writes: Promise<void>;
}

const RETRY_CONFIG_MS = 2000;
export const ORPHAN_MESSAGE = 'the local Argo restarted while this pod was running; the process it started is gone, so the pod is failed';

const now = () => new Date();

export class PodRunner {
  private readonly core: CoreV1Api;
  private readonly pods = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly opts: PodRunnerOptions) {
    this.core = opts.kc.makeApiClient(CoreV1Api);
  }

  /** Called with every observed state of a workflow pod. */
  observe(pod: V1Pod): void {
    if (this.closed || pod.spec?.nodeName !== this.opts.nodeName) return;
    const uid = pod.metadata!.uid!;
    if (pod.metadata?.deletionTimestamp) {
      void this.finalizeDeletion(pod);
      return;
    }
    if (this.pods.has(uid) || isTerminalPodPhase(pod.status?.phase)) return;
    const mainImage = pod.spec?.containers.find((c) => c.name === 'main')?.image ?? '';
    const entry: Entry = { ns: pod.metadata!.namespace!, name: pod.metadata!.name!, mainImage, stopped: false, writes: Promise.resolve() };
    this.pods.set(uid, entry);
    if (pod.status?.phase === 'Running') {
      // Running, but not by us: whoever ran it is gone (a restart of the local Argo).
      this.writeStatus(entry, { phase: 'Failed', message: ORPHAN_MESSAGE, reason: 'Orphaned' });
      return;
    }
    void this.start(pod, entry);
  }

  /**
   * A graceful delete of a pod bound to a node waits for its kubelet: stop the containers within the grace
   * period, then remove the object (delete with grace 0), as the kubelet's status manager does.
   */
  private async finalizeDeletion(pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const e = this.pods.get(uid);
    if (e?.finalizing) return;
    if (e) e.finalizing = true;
    this.stop(uid, (pod.metadata?.deletionGracePeriodSeconds ?? 2) * 1000);
    await e?.proc?.done;
    await e?.writes;
    if (this.closed) return;
    try {
      await this.core.deleteNamespacedPod({
        // In the body: client-node drops a 0 given as the gracePeriodSeconds query parameter.
        name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
    } catch (err) {
      const c = (err as { code?: number }).code;
      if (c !== 404 && c !== 409) this.opts.log(`local argo: finalize deletion of pod ${pod.metadata!.namespace}/${pod.metadata!.name}: ${String(err)}`);
    }
  }

  /** The pod was deleted: its processes die and its logs go, as with a kubelet. */
  deleted(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (uid) this.stop(uid, 2000);
    this.opts.logs.removePod(pod.metadata!.namespace!, pod.metadata!.name!);
  }

  /** SIGTERM, then SIGKILL after the pod's grace period. */
  terminate(pod: V1Pod): void {
    const grace = (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    this.stop(pod.metadata!.uid!, grace);
  }

  private stop(uid: string, graceMs: number): void {
    const e = this.pods.get(uid);
    if (!e) return;
    e.stopped = true;
    if (e.retry) clearTimeout(e.retry);
    e.proc?.stop(graceMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    const waits: Promise<unknown>[] = [];
    for (const e of this.pods.values()) {
      e.stopped = true;
      if (e.retry) clearTimeout(e.retry);
      if (e.proc) {
        e.proc.stop(2000);
        waits.push(e.proc.done);
      }
    }
    await Promise.all(waits);
    await Promise.all([...this.pods.values()].map((e) => e.writes));
  }

  private writeStatus(e: Entry, status: V1PodStatus): Promise<void> {
    e.writes = e.writes.then(async () => {
      // Once closed, this "kubelet" is gone: it reports nothing more, and a later instance finds the pod orphaned.
      // As a kubelet's status manager: a write lost to an unreachable apiserver is tried again until it lands, or a
      // finished container would show Running for ever.
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          await this.core.patchNamespacedPodStatus({ name: e.name, namespace: e.ns, body: { status } }, patchOptions('merge'));
          return;
        } catch (err) {
          if ((err as { code?: number }).code === 404) return;
          this.opts.log(`local argo: status of pod ${e.ns}/${e.name} (try ${attempt + 1}): ${String(err)}`);
          await new Promise((ok) => setTimeout(ok, Math.min(100 * 2 ** attempt, 3000)));
        }
      }
    });
    return e.writes;
  }

  private async start(pod: V1Pod, e: Entry): Promise<void> {
    const { logs } = this.opts;
    const main = pod.spec!.containers.find((c) => c.name === 'main');
    const init = pod.spec!.initContainers?.find((c) => c.name === 'init');
    const startTime = now();
    const image = (n: string) => (n === 'main' ? main?.image ?? '' : EXECUTOR_IMAGE);
    const initStatus: V1ContainerStatus = {
      name: 'init', image: image('init'), imageID: '', ready: false, restartCount: 0,
      state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime } },
    };
    logs.start(e.ns, e.name, 'init');
    logs.finish(e.ns, e.name, 'init');
    logs.start(e.ns, e.name, 'wait');
    const base = { hostIP: '127.0.0.1', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }], startTime, initContainerStatuses: [initStatus] };
    const running = (n: string, at: Date): V1ContainerStatus => ({
      name: n, image: image(n), imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: at } },
    });
    if (!main) {
      await this.finish(e, base, running('wait', startTime), startTime, { exitCode: 64, message: 'pod has no main container' });
      return;
    }
    let vars: Map<string, string>;
    try {
      vars = await containerEnv(this.opts.kc, pod, main);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) this.opts.log(`local argo: env of pod ${e.ns}/${e.name}: ${String(err)}`);
      // As a kubelet: the container waits with the reason, and is tried again later.
      await this.writeStatus(e, {
        ...base, phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'True' }],
        containerStatuses: [running('wait', startTime), {
          name: 'main', image: image('main'), imageID: '', ready: false, started: false, restartCount: 0,
          state: { waiting: { reason: 'CreateContainerConfigError', message: (err as Error).message } },
        }],
      });
      if (!e.stopped && !this.closed) {
        e.retry = setTimeout(() => {
          e.retry = undefined;
          if (!e.stopped && !this.closed) void this.start(pod, e);
        }, RETRY_CONFIG_MS);
        e.retry.unref();
      }
      return;
    }
    if (e.stopped) return;
    const workDir = await mkdtemp(join(tmpdir(), 'local-argo-pod-'));
    try {
      let argv = containerArgv(main, vars);
      const script = scriptSource(init);
      if (script !== undefined) {
        const file = join(workDir, 'script');
        await writeFile(file, script, { mode: 0o755 });
        argv = argv.map((a) => (a === SCRIPT_SOURCE_PATH ? file : a));
      }
      let cwd = workDir;
      if (main.workingDir) {
        const ok = await stat(main.workingDir).then((s) => s.isDirectory(), () => false);
        if (!ok) {
          const t = now();
          await this.finish(e, base, running('wait', startTime), t, {
            exitCode: 128, reason: 'StartError',
            message: `failed to create containerd task: chdir to cwd ("${main.workingDir}") set in config.json failed: no such file or directory`,
          }, t);
          return;
        }
        cwd = main.workingDir;
      }
      const terminationFile = join(workDir, 'termination-log');
      await writeFile(terminationFile, '');
      const env: Record<string, string> = {
        PATH: [...this.opts.extraPath, process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(':'),
        HOME: process.env.HOME ?? '/',
        HOSTNAME: e.name,
        ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        ...Object.fromEntries(vars),
        // Where the container's terminationMessagePath would be mounted (an empty file, as the kubelet makes it).
        [TERMINATION_MESSAGE_PATH_ENV]: terminationFile,
      };
      const mainStart = now();
      logs.start(e.ns, e.name, 'main');
      await this.writeStatus(e, {
        ...base, phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'True' },
          { type: 'ContainersReady', status: 'True' }, { type: 'Ready', status: 'True' },
        ],
        containerStatuses: [running('wait', startTime), running('main', mainStart)],
      });
      if (e.stopped) {
        await this.finish(e, base, running('wait', startTime), mainStart, { exitCode: 137, reason: 'Error' });
        return;
      }
      e.proc = runProcess({ argv, env, cwd, onOutput: (d) => logs.append(e.ns, e.name, 'main', d) });
      const out = await e.proc.done;
      if (out.signal === undefined && out.message === undefined) logs.append(e.ns, e.name, 'main', emissaryExitLines(out.exitCode));
      // A message of the runner's own (a command not found: the executor's) comes first, then the kubelet's rule.
      const message = out.message ?? await terminationMessage(terminationFile, main.terminationMessagePolicy, out.exitCode, logs.get(e.ns, e.name, 'main'));
      await this.finish(e, base, running('wait', startTime), mainStart, message === undefined ? out : { ...out, message });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private async finish(
    e: Entry,
    base: Partial<V1PodStatus>,
    wait: V1ContainerStatus,
    mainStart: Date,
    out: { exitCode: number; message?: string; reason?: string },
    finishedAt = now(),
  ): Promise<void> {
    const { logs } = this.opts;
    logs.finish(e.ns, e.name, 'main');
    logs.finish(e.ns, e.name, 'wait');
    const terminated = (n: string, exitCode: number, reason: string, message?: string, startedAt = mainStart): V1ContainerStatus => ({
      name: n, image: n === 'wait' ? wait.image : e.mainImage, imageID: '', ready: false, started: false, restartCount: 0,
      state: { terminated: { exitCode, reason, startedAt, finishedAt, ...(message ? { message } : {}) } },
    });
    const mainStatus = terminated('main', out.exitCode, out.reason ?? (out.exitCode === 0 ? 'Completed' : 'Error'), out.message);
    const waitStatus = terminated('wait', 0, 'Completed', undefined, wait.state?.running?.startedAt ?? mainStart);
    await this.writeStatus(e, {
      ...base,
      phase: out.exitCode === 0 ? 'Succeeded' : 'Failed',
      conditions: [
        { type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'True' },
        { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }, { type: 'Ready', status: 'False', reason: 'PodCompleted' },
      ],
      containerStatuses: [waitStatus, mainStatus],
    });
  }
}

function scriptSource(init: { env?: { name: string; value?: string }[] } | undefined): string | undefined {
  const raw = init?.env?.find((v) => v.name === 'ARGO_TEMPLATE')?.value;
  if (!raw) return undefined;
  try {
    return (JSON.parse(raw) as Template).script?.source;
  } catch {
    return undefined;
  }
}
