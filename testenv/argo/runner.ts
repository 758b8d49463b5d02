// Runs a container's command as a local process: no shell unless the command is one, its own process
// group (so a stop reaches its children), output delivered as it comes. A command that cannot be found
// ends the way Argo's emissary executor ends it (cmd/argoexec: exec.LookPath fails, argoexec prints
// the error, writes it as the termination message and exits 64).
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface RunSpec {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  onOutput(data: Buffer): void;
}

export interface RunOutcome {
  exitCode: number;
  /** The container's termination message, when it has one. */
  message?: string;
  /** The signal that ended it, if any. */
  signal?: NodeJS.Signals;
}

export interface RunningProcess {
  done: Promise<RunOutcome>;
  /** SIGTERM to the process group, SIGKILL after `graceMs`. */
  stop(graceMs: number): void;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Go's exec.LookPath over the container's PATH. */
export function lookPath(name: string, pathVar: string | undefined): string | undefined {
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of (pathVar ?? '').split(delimiter)) {
    const p = join(dir || '.', name);
    if (executable(p)) return p;
  }
  return undefined;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2, SIGHUP: 1, SIGQUIT: 3 };

export function runProcess(spec: RunSpec): RunningProcess {
  const [name, ...args] = spec.argv;
  if (name === undefined || name === '') {
    const message = 'failed to find name in PATH: exec: no command';
    spec.onOutput(Buffer.from(`${message}\n`));
    return { done: Promise.resolve({ exitCode: 64, message }), stop: () => {} };
  }
  const resolved = lookPath(name, spec.env.PATH);
  if (!resolved) {
    const err = name.includes('/') ? `exec: "${name}": stat ${name}: no such file or directory` : `exec: "${name}": executable file not found in $PATH`;
    const message = `failed to find name in PATH: ${err}`;
    spec.onOutput(Buffer.from(`${message}\n`));
    return { done: Promise.resolve({ exitCode: 64, message }), stop: () => {} };
  }
  let child: ChildProcess;
  let killTimer: NodeJS.Timeout | undefined;
  const done = new Promise<RunOutcome>((resolve) => {
    child = spawn(resolved, args, {
      argv0: name,
      env: spec.env,
      cwd: spec.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => spec.onOutput(d));
    child.stderr!.on('data', (d: Buffer) => spec.onOutput(d));
    child.on('error', (err) => {
      const message = `failed to start command: ${err.message}`;
      spec.onOutput(Buffer.from(`${message}\n`));
      resolve({ exitCode: 64, message });
    });
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      // A container runtime reports a signalled process as 128 + signal number.
      if (signal) resolve({ exitCode: 128 + (SIGNALS[signal] ?? 15), signal });
      else resolve({ exitCode: code ?? 1 });
    });
  });
  const kill = (sig: NodeJS.Signals) => {
    if (child?.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  return {
    done,
    stop: (graceMs) => {
      kill('SIGTERM');
      killTimer ??= setTimeout(() => kill('SIGKILL'), graceMs);
      killTimer.unref();
    },
  };
}
