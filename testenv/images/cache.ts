// Where the image archives live: ~/.cache/sqlflow-operator/images/<name>-<hash>.tar, one file per
// content hash. A file appears only complete (written aside, then renamed), and older hashes of
// the same name are removed once a new one is in place.
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../controlplane/binaries.ts';
import { run } from './exec.ts';

export function imagesDir(): string {
  return join(cacheRoot(), 'images');
}

export function archivePath(name: string, hash: string): string {
  return join(imagesDir(), `${name}-${hash}.tar`);
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile() && s.size > 0, () => false);
}

/** Returns `name`'s archive for `hash`, calling make(tmpPath) first when it is not cached yet. */
export async function cached(name: string, hash: string, make: (tmp: string) => Promise<void>): Promise<string> {
  const path = archivePath(name, hash);
  if (await exists(path)) return path;
  await mkdir(imagesDir(), { recursive: true });
  const tmp = `${path}.tmp.${process.pid}`;
  try {
    await make(tmp);
    if (!(await exists(tmp))) throw new Error(`building ${name} wrote no archive at ${tmp}`);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  for (const f of await readdir(imagesDir())) {
    const old = f.startsWith(`${name}-`) && f.endsWith('.tar') && /^[0-9a-f]{16}$/.test(f.slice(name.length + 1, -4));
    if (old && join(imagesDir(), f) !== path) await rm(join(imagesDir(), f), { force: true });
  }
  return path;
}

/** Unmounts whatever a crashed build left mounted below dir (overlay layers, debootstrap's /proc). */
export async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir + '/')).sort().reverse();
  for (const m of mounts) await run('umount', ['-l', m]);
}

/**
 * Removes what interrupted builds left in the cache (staging folders, builder storage, partial
 * archives). Call it holding the images lock: then no build is running.
 */
export async function sweep(): Promise<void> {
  for (const f of await readdir(imagesDir()).catch(() => [] as string[])) {
    if (f === '.lock' || /-[0-9a-f]{16}\.tar$/.test(f)) continue;
    await unmountUnder(join(imagesDir(), f));
    await rm(join(imagesDir(), f), { recursive: true, force: true });
  }
}
