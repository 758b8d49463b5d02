// The node's own small images, built without a registry: `pause` (the sandbox, from
// pause/main.go) and `busybox` (Debian's busybox-static), each a one-layer OCI image
// made with umoci and written as a docker-archive with skopeo, cached by content,
// then imported into containerd's k8s.io namespace.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, rename, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot } from '../controlplane/binaries.ts';
import { must } from './run.ts';

export const PAUSE_IMAGE = 'docker.io/local/pause:1';
export const BUSYBOX_IMAGE = 'docker.io/local/busybox:1';

const pauseSrc = resolve(fileURLToPath(import.meta.url), '../pause');
const BUSYBOX = '/bin/busybox';

function key(): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(pauseSrc, 'main.go')));
  const st = statSync(BUSYBOX);
  h.update(`${st.size} ${st.mtimeMs}`);
  return h.digest('hex').slice(0, 12);
}

async function image(tmp: string, name: string, fill: (rootfs: string) => Promise<void>, config: string[]): Promise<string> {
  const layout = join(tmp, 'oci');
  if (!existsSync(layout)) await must('umoci', ['init', '--layout', layout]);
  const ref = `${layout}:${name}`;
  const bundle = join(tmp, `${name}-bundle`);
  await must('umoci', ['new', '--image', ref]);
  await must('umoci', ['unpack', '--image', ref, bundle]);
  await fill(join(bundle, 'rootfs'));
  await must('umoci', ['repack', '--image', ref, bundle]);
  await must('umoci', ['config', '--image', ref, ...config]);
  const tar = join(tmp, `${name}.tar`);
  await must('skopeo', ['copy', '-q', `oci:${ref}`, `docker-archive:${tar}:docker.io/local/${name}:1`]);
  return tar;
}

/** The image tars (pause, busybox), built once per content. */
export async function nodeImages(log: (m: string) => void): Promise<string[]> {
  const dir = join(cacheRoot(), `node-images-${key()}`);
  const tars = [join(dir, 'pause.tar'), join(dir, 'busybox.tar')];
  if (tars.every((t) => existsSync(t))) return tars;
  log(`real node: building the pause and busybox images into ${dir}`);
  const tmp = `${dir}.tmp.${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const pauseBin = join(tmp, 'pause');
    await must('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', pauseBin, '.'], { env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' }, timeoutMs: 600_000, cwd: pauseSrc });
    await image(tmp, 'pause', async (r) => {
      await copyFile(pauseBin, join(r, 'pause'));
      await chmod(join(r, 'pause'), 0o755);
    }, ['--config.entrypoint', '/pause']);
    await image(tmp, 'busybox', async (r) => {
      for (const d of ['bin', 'tmp', 'etc', 'proc', 'sys', 'dev', 'root']) await mkdir(join(r, d), { recursive: true });
      await chmod(join(r, 'tmp'), 0o1777);
      await copyFile(BUSYBOX, join(r, 'bin', 'busybox'));
      await chmod(join(r, 'bin', 'busybox'), 0o755);
      for (const applet of (await must(BUSYBOX, ['--list'])).split('\n').filter((a) => a && a !== 'busybox')) {
        await symlink('busybox', join(r, 'bin', applet)).catch(() => {});
      }
      await writeFile(join(r, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
      await writeFile(join(r, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
    }, ['--config.cmd', '/bin/sh', '--config.env', 'PATH=/bin']);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const n of ['pause.tar', 'busybox.tar']) await rename(join(tmp, n), join(dir, n));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return tars;
}

/** Imports docker-archive tars into containerd's k8s.io namespace (where the kubelet's images live). */
export async function importImages(ctr: string[], tars: string[]): Promise<void> {
  for (const t of tars) await must('ctr', [...ctr, '-n', 'k8s.io', 'images', 'import', t], { timeoutMs: 600_000 });
}
