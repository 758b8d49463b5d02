// An exclusive lock on a file, held by a `flock` child process: the kernel drops it when that
// child ends, so a crashed holder never leaves a stale lock behind (as tools/build-binaries.sh).
import { spawn } from 'node:child_process';

export async function withLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  // The child takes the lock, says so, and holds it until its stdin closes (when we are done or gone).
  const child = spawn('flock', ['--exclusive', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((ok, fail) => {
    child.on('error', (e) => fail(new Error(`cannot run flock to lock ${path}: ${e.message} (install util-linux)`)));
    child.on('exit', (code) => fail(new Error(`flock ${path} exited ${code} before taking the lock: ${stderr.trim()}`)));
    child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('locked')) ok(); });
  });
  child.removeAllListeners('exit');
  try {
    return await fn();
  } finally {
    const gone = new Promise((ok) => child.on('close', ok));
    child.stdin.end();
    await gone;
  }
}
