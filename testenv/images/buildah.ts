// buildah with storage of its own (a scratch folder, removed afterwards), so that a build neither
// reads nor leaves images in the machine's /var/lib/containers, and only the docker-archive tars
// it writes outlive it. Builds use the host's network (no bridge, no netfilter rules, nothing to
// restore): their RUN steps reach the package registries as the host does, trusting the host's
// CA bundle, which is mounted over the base's own for RUN steps only (it is in no layer): some
// machines' egress re-signs TLS with a CA only the host trusts.
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';
import { access, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { unmountUnder } from './cache.ts';
import { check, run } from './exec.ts';

export interface BuildSpec {
  /** The Dockerfile / Containerfile. */
  file: string;
  /** The build context folder. */
  context: string;
  /** The image's name, as it is tagged in the archive. */
  ref: string;
  buildArgs?: Record<string, string>;
  /** Bases this build needs (docker-archive tars), loaded into the storage first; FROM names them by the ref inside. */
  bases?: readonly string[];
  /** Mount the host's CA bundle over the base's (which must have one) in RUN steps. */
  hostCa?: boolean;
}

export class Buildah {
  private constructor(private readonly dir: string, private readonly log: (m: string) => void) {}

  /** A builder whose storage lives in `dir` (created, and removed again by close()). */
  static async open(dir: string, log: (m: string) => void): Promise<Buildah> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    return new Buildah(dir, log);
  }

  private args(rest: readonly string[]): string[] {
    return ['--root', join(this.dir, 'root'), '--runroot', join(this.dir, 'run'), '--storage-driver', 'overlay', ...rest];
  }

  private buildah(rest: readonly string[], log = false): Promise<string> {
    // BUILDAH_ISOLATION chroot: no runtime container per RUN step (runc wants cgroups and
    // capabilities a CI VM may lack); the steps are trusted project Dockerfiles.
    const env = { ...process.env, BUILDAH_ISOLATION: 'chroot', STORAGE_DRIVER: 'overlay' };
    return check('buildah', this.args(rest), { env, log: log ? this.log : undefined, logStdout: log });
  }

  /** Builds spec and writes it to `archive` as a docker-archive tagged spec.ref. */
  async build(spec: BuildSpec, archive: string): Promise<void> {
    for (const base of spec.bases ?? []) await this.buildah(['pull', '--quiet', `docker-archive:${base}`]);
    const buildArgs = Object.entries(spec.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
    const ca = spec.hostCa && (await access(HOST_CA).then(() => true, () => false)) ? ['--volume', `${HOST_CA}:${HOST_CA}:ro`] : [];
    await this.buildah(['bud', '--pull=never', '--network=host', '--layers=false', '--format=docker', '--file', spec.file,
      ...buildArgs, ...ca, '--tag', spec.ref, spec.context], true);
    await rm(archive, { force: true });
    await this.buildah(['push', '--quiet', spec.ref, `docker-archive:${archive}:${spec.ref}`]);
  }

  /** Removes every container, image and mount of this storage, then the folder. */
  async close(): Promise<void> {
    await run('buildah', this.args(['rm', '--all']));
    await run('buildah', this.args(['rmi', '--all', '--force']));
    // overlay mounts left by a failed build would make the folder impossible to remove.
    await unmountUnder(this.dir);
    await rm(this.dir, { recursive: true, force: true });
  }
}
