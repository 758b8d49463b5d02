// The pod network: Debian's bridge + host-local plugins on POD_BRIDGE / POD_CIDR,
// without ipMasq or portmap (no pod traffic is meant to leave the machine, so no
// NAT rules are needed), and last in the chain the egress check (cni-guard.ts): a
// sandbox whose network is set up while the guard's rules are missing fails, so its
// pod never starts.
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GUARD_RULES, GUARD_TABLE, POD_BRIDGE, POD_CIDR } from './network.ts';

const PLUGINS = ['bridge', 'host-local', 'loopback'];
export const GUARD_PLUGIN = 'sqlflow-egress-guard';
const guardScript = resolve(fileURLToPath(import.meta.url), '../cni-guard.ts');

export interface CniDirs {
  binDir: string;
  confDir: string;
}

/** Writes the plugin folder (links to Debian's plugins plus the guard) and the network list. */
export async function writeCni(runDir: string): Promise<CniDirs> {
  const binDir = join(runDir, 'cni', 'bin');
  const confDir = join(runDir, 'cni', 'net.d');
  await mkdir(binDir, { recursive: true });
  await mkdir(confDir, { recursive: true });
  for (const p of PLUGINS) await symlink(join('/usr/lib/cni', p), join(binDir, p)).catch(() => {});
  for (const p of [process.execPath, guardScript]) {
    if (/['\n]/.test(p)) throw new Error(`cannot write the CNI guard: the path ${p} holds a quote or newline`);
  }
  // containerd runs plugins by file name; the guard is TypeScript run by this Node (type stripping).
  await writeFile(join(binDir, GUARD_PLUGIN), `#!/bin/sh\nexec '${process.execPath}' --no-warnings '${guardScript}' "$@"\n`);
  await chmod(join(binDir, GUARD_PLUGIN), 0o755);
  const conflist = {
    cniVersion: '0.4.0',
    name: 'sqlflow-node',
    plugins: [
      {
        type: 'bridge', bridge: POD_BRIDGE, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(runDir, 'cni', 'ipam') },
      },
      { type: GUARD_PLUGIN, table: GUARD_TABLE, rules: Object.values(GUARD_RULES) },
    ],
  };
  await writeFile(join(confDir, '10-sqlflow-node.conflist'), JSON.stringify(conflist, null, 1));
  return { binDir, confDir };
}
