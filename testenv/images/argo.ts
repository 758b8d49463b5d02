// Argo Workflows' binaries (tools/build-argo.sh: built once per version into the cache, with the
// module's manifests/ kept beside them) and their two images.
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../controlplane/binaries.ts';
import { HERE, ROOT } from './bases.ts';
import { Buildah } from './buildah.ts';
import { cached, imagesDir } from './cache.ts';
import { fileHash, hashOf } from './context.ts';
import { check } from './exec.ts';

/** The version tools/argo/go.mod pins (test-bed only: it has reported security flaws, never shipped). */
export async function argoVersion(): Promise<string> {
  const mod = await readFile(join(ROOT, 'tools', 'argo', 'go.mod'), 'utf8');
  const v = /^require github\.com\/argoproj\/argo-workflows\/v4 (v\S+)$/m.exec(mod)?.[1];
  if (!v) throw new Error('tools/argo/go.mod has no "require github.com/argoproj/argo-workflows/v4 vX.Y.Z" line');
  return v;
}

export interface ArgoBuild {
  version: string;
  /** Holds argoexec, workflow-controller and manifests/ (the module's: CRDs, RBAC, the controller's ConfigMap). */
  dir: string;
}

/** The built binaries, building them first when the cache lacks them (minutes of Go build on a cold cache). */
export async function argoBinaries(log: (m: string) => void): Promise<ArgoBuild> {
  const version = await argoVersion();
  const dir = join(cacheRoot(), `argo-${version}`);
  log(`images: Argo ${version} binaries in ${dir} (tools/build-argo.sh builds them once)`);
  await check('bash', [join(ROOT, 'tools', 'build-argo.sh'), dir], { log: (l) => log(l) });
  return { version, dir };
}

export const ARGO_BINARIES = ['argoexec', 'workflow-controller'] as const;
export type ArgoBinary = (typeof ARGO_BINARIES)[number];

// What the binaries read from /etc (user names, nsswitch for the Go resolver), as in distroless.
const ETC: Record<string, string> = {
  passwd: 'root:x:0:0:root:/root:/sbin/nologin\nargo:x:8737:8737:argo:/home/argo:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
  group: 'root:x:0:\nargo:x:8737:\nnonroot:x:65532:\n',
  'nsswitch.conf': 'hosts: files dns\n',
};

export async function argoImage(name: ArgoBinary, argo: ArgoBuild, log: (m: string) => void): Promise<{ ref: string; archive: string }> {
  const ref = `docker.io/local/${name}:${argo.version}`;
  const file = join(HERE, 'containerfiles', `${name}.Containerfile`);
  const binary = join(argo.dir, name);
  const hash = await hashOf([ref, await readFile(file, 'utf8'), JSON.stringify(ETC), await fileHash(binary)]);
  const archive = await cached(name, hash, async (out) => {
    log(`images: building ${ref}`);
    const ctx = join(imagesDir(), `${name}.${process.pid}`);
    await rm(ctx, { recursive: true, force: true });
    for (const d of ['rootfs/etc', 'rootfs/tmp', 'rootfs/var/run/argo']) await mkdir(join(ctx, d), { recursive: true });
    await chmod(join(ctx, 'rootfs/tmp'), 0o1777);
    for (const [f, text] of Object.entries(ETC)) await writeFile(join(ctx, 'rootfs/etc', f), text);
    await copyFile(binary, join(ctx, name));
    const b = await Buildah.open(`${ctx}.buildah`, log);
    try {
      await b.build({ file, context: ctx, ref }, out);
    } finally {
      await b.close();
      await rm(ctx, { recursive: true, force: true });
    }
  });
  return { ref, archive };
}
