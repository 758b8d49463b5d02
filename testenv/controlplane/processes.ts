// Child processes of the local control plane. Each runs in its own process group
// with a pid file in the run's state folder; a guardian shell kills them all when
// the owning Node process dies, even by SIGKILL, and the next start clears the
// folders of runs whose owner is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Starts `cmd` in its own process group, output to `<dir>/<name>.log`, pid in `<dir>/<name>.pid`. */
export async function startProcess(dir: string, name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Managed> {
  const logFile = join(dir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const exited = new Promise<number | null>((ok) => {
    child.once('exit', (code, signal) => ok(code ?? (signal ? -1 : null)));
    child.once('error', () => ok(-1));
  });
  if (child.pid === undefined) {
    await exited;
    throw new Error(`cannot start ${name} (${cmd}); see ${logFile}`);
  }
  await writeFile(join(dir, `${name}.pid`), String(child.pid));
  child.unref();
  return { name, child, logFile, exited };
}

/** SIGTERM a process group, then SIGKILL after `graceMs`. */
export async function stopProcess(p: Managed, graceMs = 5000): Promise<void> {
  const pid = p.child.pid;
  if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.ref(); // keep the event loop alive until it is gone, or `await stop()` could end the process early
  signalGroup(pid, 'SIGTERM');
  const timer = new Promise<'timeout'>((ok) => setTimeout(ok, graceMs, 'timeout').unref());
  if ((await Promise.race([p.exited, timer])) === 'timeout') {
    signalGroup(pid, 'SIGKILL');
    await p.exited;
  }
  // The group may hold grandchildren that outlive the leader.
  signalGroup(pid, 'SIGKILL');
}

/** SIGKILL a process group at once (a crash, not a shutdown) and wait for the leader to exit. */
export async function killProcess(p: Managed): Promise<void> {
  const pid = p.child.pid;
  if (pid === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.ref();
  signalGroup(pid, 'SIGKILL');
  await p.exited;
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

const GUARDIAN = `
owner=$1; dir=$2
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
for f in "$dir"/*.pid; do [ -f "$f" ] && kill -TERM -- -"$(cat "$f")" 2>/dev/null; done
sleep 3
for f in "$dir"/*.pid; do [ -f "$f" ] && kill -KILL -- -"$(cat "$f")" 2>/dev/null; done
rm -rf "$dir"
`;

/** Writes the owner pid and starts the guardian for a state folder. */
export async function guard(dir: string, removeDirOnDeath = true): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'owner'), String(process.pid));
  const script = removeDirOnDeath ? GUARDIAN : GUARDIAN.replace('rm -rf "$dir"', '');
  const g = spawn('bash', ['-c', script, 'guardian', String(process.pid), dir], { detached: true, stdio: 'ignore' });
  g.unref();
}

/** Kills the processes of state folders under `root` whose owner died, and removes those folders. */
export async function reapStale(root: string, prefix: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return;
  }
  for (const e of entries.filter((n) => n.startsWith(prefix))) {
    const dir = join(root, e);
    const owner = Number(await readFile(join(dir, 'owner'), 'utf8').catch(() => '0'));
    if (owner && alive(owner)) continue;
    for (const f of (await readdir(dir).catch(() => [])).filter((n) => n.endsWith('.pid'))) {
      const pid = Number(await readFile(join(dir, f), 'utf8').catch(() => '0'));
      if (pid) signalGroup(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  }
}
