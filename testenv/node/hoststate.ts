// A snapshot of the machine-wide state the real node can change: sysctls, the
// netfilter ruleset, network links, mounts, top-level cgroups and the global
// folders containerd, the kubelet and libcni create. `up` records one before it
// changes anything; `down` restores from it and compares; the e2e test checks that
// the machine after `down` equals the machine before `up`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { exec, must } from './run.ts';

/** Folders outside the node's state folder that containerd, its shims, the kubelet or libcni create. */
export const GLOBAL_PATHS = [
  '/run/containerd', '/run/netns', '/var/run/netns', '/var/lib/kubelet', '/usr/libexec/kubernetes',
  '/var/lib/cni', '/run/cni', '/etc/cni', '/opt/cni', '/var/lib/containerd', '/var/log/pods', '/var/log/containers',
] as const;

// Values the kernel changes by itself: counters, random data, per-process views.
const VOLATILE = [
  /^kernel\/random\//, /^fs\/(dentry-state|file-nr|inode-nr|inode-state|quota\/)/, /^kernel\/(ns_last_pid|pty\/nr|tainted)$/,
  /^net\/netfilter\/nf_conntrack_(count|buckets)$/, /^kernel\/sched_domain\//, /^vm\/stat_refresh$/, /^fs\/binfmt_misc\//,
  /^net\/ipv4\/route\/flush$/, /^net\/ipv6\/route\/flush$/, /^vm\/(drop_caches|compact_memory)$/, /^kernel\/usermodehelper\//,
  /^fs\/pipe-user-pages-soft$/, /^kernel\/keys\/(maxkeys|maxbytes)$/,
];
// Per-interface keys come and go with the interfaces; links are compared instead.
const PER_INTERFACE = /^net\/(ipv4|ipv6)\/(conf|neigh)\/(?!all\/|default\/)/;

export interface NftItem {
  key: string; // stable identity: family, table, chain, rule expression without counter values
  kind: 'table' | 'chain' | 'rule' | 'set' | 'other';
  family: string;
  table: string;
  chain?: string;
  name?: string;
  handle?: number;
  text: string; // the item's JSON, for deleting and reporting
}

export interface HostState {
  sysctls: Record<string, string>;
  nft: NftItem[];
  links: string[];
  mounts: string[];
  cgroups: string[];
  paths: string[];
}

function walkSysctls(dir: string, prefix: string, out: Record<string, string>): void {
  for (const name of readdirSync(dir)) {
    const rel = prefix ? `${prefix}/${name}` : name;
    if (PER_INTERFACE.test(rel + '/') || VOLATILE.some((v) => v.test(rel))) continue;
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) walkSysctls(path, rel, out);
    else if ((st.mode & 0o200) !== 0) {
      try {
        out[rel] = readFileSync(path, 'utf8').trim();
      } catch {
        // write-only or refused
      }
    }
  }
}

export function sysctls(): Record<string, string> {
  const out: Record<string, string> = {};
  walkSysctls('/proc/sys', '', out);
  return out;
}

/** Drops counter values so that a rule's identity does not change as it matches packets. */
function stripCounters(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripCounters);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'counter' && x && typeof x === 'object') o[k] = {};
      else if (k !== 'handle') o[k] = stripCounters(x);
    }
    return o;
  }
  return v;
}

export async function nftItems(): Promise<NftItem[]> {
  const r = await exec('nft', ['-j', 'list', 'ruleset']);
  if (r.code !== 0) throw new Error(`nft -j list ruleset failed: ${r.stderr.trim()}`);
  const doc = JSON.parse(r.stdout || '{"nftables":[]}') as { nftables: Array<Record<string, Record<string, unknown>>> };
  const items: NftItem[] = [];
  for (const entry of doc.nftables) {
    const [kind, v] = Object.entries(entry)[0] as [string, Record<string, unknown>];
    if (kind === 'metainfo') continue;
    const family = String(v.family);
    const table = String(kind === 'table' ? v.name : v.table);
    const chain = kind === 'rule' ? String(v.chain) : kind === 'chain' ? String(v.name) : undefined;
    const k = kind === 'table' || kind === 'chain' || kind === 'rule' || kind === 'set' ? kind : 'other';
    const ident = k === 'rule' ? JSON.stringify(stripCounters(v.expr)) : k === 'other' ? JSON.stringify(stripCounters(v)) : String(v.name);
    items.push({
      key: [kind, family, table, k === 'rule' ? chain : '', ident].join(' '),
      kind: k, family, table, chain, name: typeof v.name === 'string' ? v.name : undefined,
      handle: typeof v.handle === 'number' ? v.handle : undefined, text: JSON.stringify(entry),
    });
  }
  return items;
}

export function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[4]!.replace(/\\040/g, ' '));
}

/** The mounts the node can make: under its state folder, the global paths and the cgroup tree (other tools' mounts elsewhere are not its business). */
function nodeMounts(stateDir: string): string[] {
  const roots = [stateDir, ...GLOBAL_PATHS, '/sys/fs/cgroup'];
  return mountPoints().filter((m) => roots.some((r) => m === r || m.startsWith(r + '/')));
}

/** Top-level cgroups of every hierarchy (the kubelet's kubepods and containerd's default live there). */
function topCgroups(): string[] {
  const out: string[] = [];
  const root = '/sys/fs/cgroup';
  const hierarchies = existsSync(join(root, 'cgroup.controllers')) ? [root] : readdirSync(root).map((h) => join(root, h));
  for (const h of hierarchies) {
    let entries: string[];
    try {
      entries = readdirSync(h, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue;
    }
    for (const e of entries) out.push(join(h, e));
  }
  return out.sort();
}

export async function snapshot(stateDir: string): Promise<HostState> {
  const links = (JSON.parse(await must('ip', ['-j', 'link', 'show'])) as Array<{ ifname: string }>).map((l) => l.ifname).sort();
  return {
    sysctls: sysctls(),
    nft: await nftItems(),
    links,
    mounts: nodeMounts(stateDir),
    cgroups: topCgroups(),
    paths: GLOBAL_PATHS.filter((p) => existsSync(p)),
  };
}

/** Human-readable differences from `before` to `after`; empty when the machine is as it was. */
export function differences(before: HostState, after: HostState): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(before.sysctls)) {
    if (k in after.sysctls && after.sysctls[k] !== v) out.push(`sysctl ${k.replace(/\//g, '.')}: was ${v}, now ${after.sysctls[k]}`);
  }
  const multiset = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const listDiff = (what: string, a: string[], b: string[]) => {
    const ma = multiset(a);
    const mb = multiset(b);
    for (const [x, n] of mb) if ((ma.get(x) ?? 0) < n) out.push(`${what} added: ${x}`);
    for (const [x, n] of ma) if ((mb.get(x) ?? 0) < n) out.push(`${what} removed: ${x}`);
  };
  listDiff('netfilter', before.nft.map((i) => i.key), after.nft.map((i) => i.key));
  listDiff('link', before.links, after.links);
  listDiff('mount', before.mounts, after.mounts);
  listDiff('cgroup', before.cgroups, after.cgroups);
  listDiff('path', before.paths, after.paths);
  return out;
}
