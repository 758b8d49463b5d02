// CPU time from /proc: per process (by the control plane's pid files, or a pid) and for the whole machine, so a
// benchmark can say where a window's CPU went and whether the machine was saturated.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const TICK_S = 0.01; // USER_HZ is 100 on Linux

/** utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, after the parenthesised name), seconds. */
export function processCpu(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_S;
  } catch {
    return 0; // gone
  }
}

/** Busy and total CPU seconds of the machine, all cores (/proc/stat's first line; idle and iowait are not busy). */
export function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: (total - f[3]! - f[4]!) * TICK_S, total: total * TICK_S };
}

export interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  byName: Map<string, number>;
}

/** The control plane's processes (their `<name>.pid` files in `dir`) and any `extra` named pids. */
export function snapshot(dir: string, extra: Record<string, number> = {}): CpuSnapshot {
  const byName = new Map<string, number>();
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.pid')) continue;
    byName.set(f.slice(0, -4), processCpu(Number(readFileSync(join(dir, f), 'utf8').trim())));
  }
  for (const [name, pid] of Object.entries(extra)) byName.set(name, processCpu(pid));
  return { at: performance.now(), machine: machineCpu(), byName };
}

/** "cores busy of N; apiserver a s, etcd b s, …, rest r s" between two snapshots (rest: kubectl, the bench, others). */
export function describeCpu(a: CpuSnapshot, b: CpuSnapshot): string {
  const wall = (b.at - a.at) / 1000;
  const busy = b.machine.busy - a.machine.busy;
  const cores = (b.machine.total - a.machine.total) / wall;
  let named = 0;
  const parts: string[] = [];
  for (const [name, v] of b.byName) {
    const d = v - (a.byName.get(name) ?? 0);
    named += d;
    parts.push(`${name} ${d.toFixed(1)} s`);
  }
  return `${(busy / wall).toFixed(2)} of ${cores.toFixed(1)} cores busy over ${wall.toFixed(1)} s; ${parts.join(', ')}, rest ${(busy - named).toFixed(1)} s`;
}
