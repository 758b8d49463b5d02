// What the real node needs from the machine, checked before anything is changed:
// Linux, root, the Debian packages (installed with apt-get when missing), and the
// machine's own address, read at every start (it differs per machine).
import { existsSync } from 'node:fs';
import { exec, must } from './run.ts';

/** Debian packages the node uses, with one command each proves it is there. */
const PACKAGES: Array<[pkg: string, path: string]> = [
  ['containerd', '/usr/bin/containerd'],
  ['runc', '/usr/sbin/runc'],
  ['containernetworking-plugins', '/usr/lib/cni/bridge'],
  ['busybox-static', '/bin/busybox'],
  ['umoci', '/usr/bin/umoci'],
  ['skopeo', '/usr/bin/skopeo'],
  ['iptables', '/usr/sbin/iptables'], // kube-proxy and the kubelet drive iptables(-nft)
  ['conntrack', '/usr/sbin/conntrack'],
  ['nftables', '/usr/sbin/nft'], // the egress guard is its own nft table
];

/** Why this machine cannot run a real node, or undefined when it can (packages aside: they get installed). */
export function unsupported(): string | undefined {
  if (process.platform !== 'linux') return `the real node needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the real node runs containerd and the kubelet, which need root; run as root (e.g. sudo -E npm test)';
  if (!existsSync('/sys/fs/cgroup')) return 'the real node needs cgroups mounted at /sys/fs/cgroup';
  const missing = PACKAGES.filter(([, p]) => !existsSync(p));
  if (missing.length && !existsSync('/usr/bin/apt-get')) {
    return `the real node needs the Debian packages ${missing.map(([n]) => n).join(' ')} and this machine has no apt-get to install them`;
  }
  return undefined;
}

/** Installs the missing packages (root + apt-get; unsupported() said so). */
export async function ensurePackages(log: (m: string) => void): Promise<void> {
  const missing = PACKAGES.filter(([, p]) => !existsSync(p)).map(([n]) => n);
  if (!missing.length) return;
  log(`real node: installing ${missing.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = await exec('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeoutMs: 1_800_000 });
  if (r.code !== 0) {
    // A fresh machine may not have the package lists yet.
    await exec('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'update', '-qq'], { env, timeoutMs: 1_800_000 });
    r = await exec('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, timeoutMs: 1_800_000 });
  }
  if (r.code !== 0) throw new Error(`installing ${missing.join(' ')} failed: ${r.stderr.trim()}; install them yourself (apt-get install ${missing.join(' ')})`);
}

/** The machine's own IPv4 address: the source address of its default route. */
export async function hostAddress(): Promise<string> {
  const routes = JSON.parse(await must('ip', ['-j', '-4', 'route', 'show', 'default'])) as Array<{ dev?: string; prefsrc?: string }>;
  const dev = routes[0]?.dev;
  if (!dev) throw new Error('the real node needs an IPv4 default route to find this machine\'s own address (ip -4 route show default printed none)');
  const addrs = JSON.parse(await must('ip', ['-j', '-4', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: Array<{ local: string; scope: string }> }>;
  const local = routes[0]?.prefsrc ?? addrs[0]?.addr_info.find((a) => a.scope === 'global')?.local;
  if (!local) throw new Error(`the default route's interface ${dev} has no global IPv4 address`);
  return local;
}

/** Fails when `cidr` overlaps a route the machine already has (the pod network must be new). */
export async function assertUnrouted(cidr: string): Promise<void> {
  const routes = JSON.parse(await must('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as Array<{ dst: string; dev?: string }>;
  const [base, bits] = cidr.split('/') as [string, string];
  const clash = routes.find((r) => r.dst !== 'default' && r.dst !== 'broadcast' && overlaps(r.dst, base, Number(bits)));
  if (clash) throw new Error(`the real node's network ${cidr} overlaps the route ${clash.dst} on ${clash.dev ?? '?'}; a previous run may be left over (npm run cluster:down) or this machine uses that range`);
}

function toInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function overlaps(dst: string, base: string, bits: number): boolean {
  const [d, dbRaw] = dst.split('/');
  if (!d || !/^\d+\.\d+\.\d+\.\d+$/.test(d)) return false;
  const db = dbRaw === undefined ? 32 : Number(dbRaw);
  const m = Math.min(bits, db);
  const mask = m === 0 ? 0 : (0xffffffff << (32 - m)) >>> 0;
  return ((toInt(d) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}
