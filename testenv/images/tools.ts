// The image tools come from Debian: buildah (builds the Dockerfiles), skopeo and umoci (move and
// unpack images), runc (runs them for the checks), debootstrap (the bases' Debian rootfs).
// Missing ones are installed with apt-get when we are root; anywhere else the reason is said.
import { access, constants } from 'node:fs/promises';
import { run } from './exec.ts';

const PACKAGES: Record<string, string> = { buildah: 'buildah', skopeo: 'skopeo', umoci: 'umoci', runc: 'runc', debootstrap: 'debootstrap' };
const PATHS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

async function found(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(':').concat(PATHS)) {
    if (await access(`${dir}/${cmd}`, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

/** Why images cannot be built and run here, or undefined when they can (after installing what is missing). */
export async function imagesUnavailable(log: (m: string) => void): Promise<string | undefined> {
  if (process.platform !== 'linux') return `images are built with buildah and run with runc, which need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'building images (buildah with its own storage, debootstrap) and running them (runc) needs root; run as root';
  const missing: string[] = [];
  for (const cmd of Object.keys(PACKAGES)) if (!(await found(cmd))) missing.push(PACKAGES[cmd]!);
  if (!missing.length) return undefined;
  if (!(await found('apt-get'))) return `missing ${missing.join(', ')} and there is no apt-get to install them: install them with your package manager`;
  log(`images: installing ${missing.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=900'];
  let r = await run('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  if (r.code !== 0) {
    // A fresh machine has no package lists yet.
    await run('apt-get', [...lock, 'update', '-q'], { env });
    r = await run('apt-get', [...lock, 'install', '-y', '-q', '--no-install-recommends', ...missing], { env });
  }
  if (r.code !== 0) return `apt-get install ${missing.join(' ')} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`;
  for (const cmd of Object.keys(PACKAGES)) if (!(await found(cmd))) return `${cmd} is still missing after apt-get install ${missing.join(' ')}`;
  return undefined;
}
