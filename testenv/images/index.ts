// The images of the real-node test bed, built here without a registry and cached as docker-archive
// tars by content hash (~/.cache/sqlflow-operator/images): Argo's argoexec and workflow-controller,
// the operator's image from the project's Dockerfile and the step image from step/Dockerfile, on
// bases assembled locally (bases.ts). Pods use them by these refs with imagePullPolicy Never.
//   const images = await ensureImages();   // [{ name, ref, archive }]
// Needs Linux and root (buildah, runc); imagesUnavailable() says why not, without building.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { argoBinaries, argoImage, type ArgoBuild } from './argo.ts';
import { nodeBase, pythonBase, ROOT, type Base } from './bases.ts';
import { Buildah } from './buildah.ts';
import { cached, imagesDir, sweep } from './cache.ts';
import { hashOf } from './context.ts';
import { withLock } from './lock.ts';
import { imagesUnavailable } from './tools.ts';


export { imagesUnavailable } from './tools.ts';
export { imagesDir } from './cache.ts';

export type ImageName = 'argoexec' | 'workflow-controller' | 'operator' | 'step';

export interface Image {
  name: ImageName;
  /** The image's name inside the archive, e.g. docker.io/local/argoexec:v4.0.5. */
  ref: string;
  /** A docker-archive tar (ctr images import, skopeo copy docker-archive:…). */
  archive: string;
}

export interface Images {
  images: Image[];
  /** Argo's build: the binaries and the module's manifests/. */
  argo: ArgoBuild;
}

export async function version(): Promise<string> {
  return (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** An image from one of the project's Dockerfiles, on a local base passed as its base build arg. */
async function projectImage(o: { name: string; ref: string; dockerfile: string; context: string; baseArg: string; base: Base; version: string },
  log: (m: string) => void): Promise<string> {
  const dockerfile = await readFile(o.dockerfile, 'utf8');
  const buildArgs = { [o.baseArg]: o.base.ref, VERSION: o.version };
  const hash = await hashOf([o.ref, dockerfile, o.base.hash, JSON.stringify(buildArgs)], [o.context]);
  return cached(o.name, hash, async (out) => {
    log(`images: building ${o.ref} from ${o.dockerfile.slice(ROOT.length + 1)} on ${o.base.ref}`);
    const b = await Buildah.open(join(imagesDir(), `${o.name}.${process.pid}.buildah`), log);
    try {
      await b.build({ file: o.dockerfile, context: o.context, ref: o.ref, buildArgs, bases: [o.base.archive], hostCa: true }, out);
    } finally {
      await b.close();
    }
  });
}

/** The operator's image from the project's Dockerfile, on the local Node base. */
export async function operatorImage(v: string, log: (m: string) => void): Promise<Image> {
  const ref = `docker.io/local/sqlflow-operator:${v}`;
  return { name: 'operator', ref, archive: await projectImage({ name: 'sqlflow-operator', ref, dockerfile: join(ROOT, 'Dockerfile'),
    context: ROOT, baseArg: 'NODE_IMAGE', base: await nodeBase(log), version: v }, log) };
}

/** The step image from step/Dockerfile, on the local Python base. */
export async function stepImage(v: string, log: (m: string) => void): Promise<Image> {
  const ref = `docker.io/local/sqlflow-step:${v}`;
  return { name: 'step', ref, archive: await projectImage({ name: 'sqlflow-step', ref, dockerfile: join(ROOT, 'step', 'Dockerfile'),
    context: join(ROOT, 'step'), baseArg: 'PYTHON_IMAGE', base: await pythonBase(log), version: v }, log) };
}

/**
 * Builds (or finds cached) every image. Serialised across processes by a lock in the cache, so
 * concurrent callers build once. A cold run takes many minutes (Argo's Go build, debootstrap,
 * npm ci and pip installs inside the builds); a warm one hashes the inputs and returns.
 */
export async function ensureImages(log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<Images> {
  const why = await imagesUnavailable(log);
  if (why) throw new Error(`cannot build the test-bed images: ${why}`);
  await mkdir(imagesDir(), { recursive: true });
  return withLock(join(imagesDir(), '.lock'), async () => {
    await sweep();
    const v = await version();
    const argo = await argoBinaries(log);
    const images: Image[] = [];
    for (const name of ['argoexec', 'workflow-controller'] as const) images.push({ name, ...(await argoImage(name, argo, log)) });
    images.push(await operatorImage(v, log), await stepImage(v, log));
    return { images, argo };
  });
}
