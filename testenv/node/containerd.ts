// containerd for the real node: every root, state and socket path inside the node's
// state folder, runc from Debian, the CNI configuration and plugins of cni.ts.
// restrict_oom_score_adj: these VMs lack CAP_SYS_RESOURCE, so runc cannot lower a
// container's oom_score_adj (pause asks for -998) and every sandbox would fail.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startProcess, type Managed } from '../controlplane/processes.ts';
import { exec } from './run.ts';
import { PAUSE_IMAGE } from './images.ts';

export interface Containerd {
  proc: Managed;
  socket: string;
  /** `ctr` arguments that address this containerd. */
  ctr: string[];
}

function config(dir: string, cni: { binDir: string; confDir: string }, snapshotter: string): string {
  const q = (s: string) => JSON.stringify(s); // TOML basic strings accept JSON string syntax
  return `version = 2
root = ${q(join(dir, 'root'))}
state = ${q(join(dir, 'state'))}
[grpc]
  address = ${q(join(dir, 'containerd.sock'))}
[ttrpc]
  address = ${q(join(dir, 'containerd.sock.ttrpc'))}
[debug]
  address = ${q(join(dir, 'debug.sock'))}
  level = "info"
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = ${q(PAUSE_IMAGE)}
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    enable_selinux = false
    disable_apparmor = true
    restrict_oom_score_adj = true
    tolerate_missing_hugetlb_controller = true
    disable_hugetlb_controller = true
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = ${q(cni.binDir)}
      conf_dir = ${q(cni.confDir)}
      max_conf_num = 1
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = ${q(snapshotter)}
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          BinaryName = "/usr/sbin/runc"
          Root = ${q(join(dir, 'runc'))}
  [plugins."io.containerd.internal.v1.opt"]
    path = ${q(join(dir, 'opt'))}
`;
}

export async function startContainerd(runDir: string, cni: { binDir: string; confDir: string }): Promise<Containerd> {
  const dir = join(runDir, 'containerd');
  await mkdir(dir, { recursive: true });
  const overlay = (await exec('grep', ['-qw', 'overlay', '/proc/filesystems'])).code === 0;
  await writeFile(join(dir, 'config.toml'), config(dir, cni, overlay ? 'overlayfs' : 'native'));
  const socket = join(dir, 'containerd.sock');
  // Every image is imported; a pull (an image missing, a pull policy that is not Never) must not reach a
  // registry off the machine. Go's HTTP client honours these: the discard port on loopback refuses it.
  const env = { ...process.env, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '', http_proxy: 'http://127.0.0.1:9', https_proxy: 'http://127.0.0.1:9', no_proxy: '' };
  const proc = await startProcess(runDir, 'containerd', '/usr/bin/containerd', ['--config', join(dir, 'config.toml')], env);
  const ctr = ['-a', socket];
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (let i = 0; i < 300; i++) {
    if (exited) throw new Error(`containerd exited while starting; see ${proc.logFile}`);
    if ((await exec('ctr', [...ctr, 'version'])).code === 0) return { proc, socket, ctr };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`containerd did not answer on ${socket} within 30s; see ${proc.logFile}`);
}

/** Kills and removes every container (their shims exit with them), so containerd can stop cleanly. */
export async function removeAllContainers(ctr: string[]): Promise<void> {
  for (const ns of ['k8s.io', 'default']) {
    const tasks = (await exec('ctr', [...ctr, '-n', ns, 'tasks', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
    for (const id of tasks) await exec('ctr', [...ctr, '-n', ns, 'tasks', 'kill', '-s', 'SIGKILL', id]);
    for (const id of tasks) {
      for (let i = 0; i < 50; i++) {
        if ((await exec('ctr', [...ctr, '-n', ns, 'tasks', 'delete', id])).code === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const containers = (await exec('ctr', [...ctr, '-n', ns, 'containers', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
    for (const id of containers) await exec('ctr', [...ctr, '-n', ns, 'containers', 'rm', id]);
  }
}
