// Puts the machine back the way `up` found it, from the snapshot `up` recorded in
// prior.json before changing anything. It removes only what the node's components
// are known to add (their mounts, links, KUBE-/CNI- netfilter objects, new tables
// left empty, new top-level cgroups, the global folders) and writes back changed
// sysctls; it never flushes the machine's ruleset. Idempotent: `cluster:down` runs
// it again when the daemon died before it could.
import { existsSync } from 'node:fs';
import { readFile, rm, rmdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from './run.ts';
import { differences, mountPoints, nftItems, snapshot, type HostState, type NftItem } from './hoststate.ts';
import { GUARD_TABLE, POD_BRIDGE } from './network.ts';

const PRIOR = 'prior.json';

/** Records the machine's state once; a record left by a run that was never restored is kept (it is the true prior state). */
export async function recordPrior(dir: string): Promise<HostState> {
  const existing = await readPrior(dir);
  if (existing) return existing;
  const s = await snapshot(dir);
  await writeFile(join(dir, PRIOR), JSON.stringify(s));
  return s;
}

export async function readPrior(dir: string): Promise<HostState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, PRIOR), 'utf8')) as HostState;
  } catch {
    return undefined;
  }
}

function subtract(items: NftItem[], prior: NftItem[]): NftItem[] {
  const left = new Map<string, number>();
  for (const p of prior) left.set(p.key, (left.get(p.key) ?? 0) + 1);
  return items.filter((i) => {
    const n = left.get(i.key) ?? 0;
    if (n > 0) {
      left.set(i.key, n - 1);
      return false;
    }
    return true;
  });
}

const OURS = /KUBE-|CNI-|cni-/;

async function restoreNetfilter(prior: NftItem[], log: (m: string) => void): Promise<void> {
  await exec('nft', ['delete', 'table', 'inet', GUARD_TABLE]);
  let added = subtract(await nftItems(), prior);
  // Rules that kube-proxy, the kubelet and the CNI plugins add (they name their chains KUBE-* / CNI-*).
  for (const r of added.filter((i) => i.kind === 'rule' && (OURS.test(i.text) || OURS.test(i.chain ?? '')))) {
    await exec('nft', ['delete', 'rule', r.family, r.table, r.chain!, 'handle', String(r.handle)]);
  }
  added = subtract(await nftItems(), prior);
  const chains = added.filter((i) => i.kind === 'chain' && OURS.test(i.name ?? ''));
  for (const c of chains) await exec('nft', ['flush', 'chain', c.family, c.table, c.name!]);
  for (const c of chains) await exec('nft', ['delete', 'chain', c.family, c.table, c.name!]);
  // Tables that did not exist before and hold no rules now: iptables-nft creates them on first use.
  added = subtract(await nftItems(), prior);
  const now = await nftItems();
  for (const t of added.filter((i) => i.kind === 'table')) {
    if (!now.some((i) => i.kind === 'rule' && i.family === t.family && i.table === t.table)) {
      await exec('nft', ['delete', 'table', t.family, t.table]);
    } else log(`restore: left nft table ${t.family} ${t.table}: it holds rules this stack does not know`);
  }
}

async function removeCgroup(path: string): Promise<void> {
  for (const e of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) await removeCgroup(join(path, e.name));
  }
  await rmdir(path).catch(() => {}); // a cgroup still holding a process stays; the comparison reports it
}

/** SIGKILLs what a dead owner left: shims and helpers naming the state folder, and every process in a new cgroup. */
async function killStragglers(prior: HostState, owned: string[]): Promise<void> {
  const pids = new Set<number>();
  for (const e of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    const cmd = await readFile(`/proc/${e}/cmdline`, 'utf8').catch(() => '');
    if (owned.some((o) => cmd.includes(o))) pids.add(Number(e));
  }
  const collect = async (cg: string) => {
    for (const p of (await readFile(join(cg, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean)) pids.add(Number(p));
    for (const d of await readdir(cg, { withFileTypes: true }).catch(() => [])) if (d.isDirectory()) await collect(join(cg, d.name));
  };
  for (const c of (await snapshot(owned[0]!)).cgroups.filter((x) => !prior.cgroups.includes(x))) await collect(c);
  pids.delete(process.pid);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (pids.size) await new Promise((r) => setTimeout(r, 500));
}

/**
 * Restores the machine to `prior.json` in `dir` (all node processes must be stopped already),
 * removes the record, and returns what still differs (empty when the machine is as it was).
 * `owned` are the folders whose mounts are the node's (its state folder).
 */
export async function restoreHost(dir: string, owned: string[], log: (m: string) => void): Promise<string[]> {
  const prior = await readPrior(dir);
  if (!prior) return [];
  await killStragglers(prior, owned);
  const roots = [...owned, '/run/containerd', '/run/netns', '/var/run/netns', '/var/lib/kubelet'];
  const priorMounts = new Set(prior.mounts);
  for (const m of mountPoints().reverse()) {
    if (priorMounts.has(m) || !roots.some((r) => m === r || m.startsWith(r + '/'))) continue;
    const r = await exec('umount', [m]);
    if (r.code !== 0) await exec('umount', ['-l', m]);
  }
  const links = JSON.parse((await exec('ip', ['-j', 'link', 'show'])).stdout || '[]') as Array<{ ifname: string; master?: string }>;
  for (const l of links.filter((x) => x.master === POD_BRIDGE && !prior.links.includes(x.ifname))) await exec('ip', ['link', 'del', l.ifname]);
  if (!prior.links.includes(POD_BRIDGE)) await exec('ip', ['link', 'del', POD_BRIDGE]);
  await restoreNetfilter(prior.nft, log);
  const now = await snapshot(dir);
  for (const c of now.cgroups.filter((x) => !prior.cgroups.includes(x))) await removeCgroup(c);
  for (const p of now.paths.filter((x) => !prior.paths.includes(x))) await rm(p, { recursive: true, force: true });
  for (const [k, v] of Object.entries(prior.sysctls)) {
    if (k in now.sysctls && now.sysctls[k] !== v) {
      try {
        await writeFile(join('/proc/sys', k), v);
      } catch (e) {
        log(`restore: cannot set ${k.replace(/\//g, '.')} back to ${v}: ${(e as Error).message}`);
      }
    }
  }
  const left = differences(prior, await snapshot(dir));
  if (!left.length) await rm(join(dir, PRIOR), { force: true });
  return left;
}

export function hasPrior(dir: string): boolean {
  return existsSync(join(dir, PRIOR));
}
