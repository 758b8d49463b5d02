// Runs an image archive as a container to check it works: skopeo turns the docker-archive into an
// OCI layout, umoci unpacks it into a runtime bundle, runc runs it in namespaces of its own (its
// own network namespace: loopback only, nothing leaves the machine), here with a read-only root
// and the user, tmpfs mounts and environment a pod would give it. Needs root.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../controlplane/binaries.ts';
import { check, run, type RunResult } from './exec.ts';

export interface RunSpec {
  /** Arguments after the image's entrypoint (its CMD is dropped, as `docker run IMAGE ARGS…` does). */
  args?: string[];
  /** Replaces the image's entrypoint. */
  entrypoint?: string[];
  /** "uid:gid"; the image's USER when absent. */
  user?: string;
  /** Extra environment (on top of the image's). */
  env?: Record<string, string>;
  /** tmpfs mounts (writable, empty), e.g. ["/tmp"]. */
  tmpfs?: string[];
  /** A read-only root filesystem (readOnlyRootFilesystem); default true. */
  readOnly?: boolean;
}

interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  User?: string;
  Env?: string[] | null;
  WorkingDir?: string;
}

interface RuntimeSpec {
  process: { terminal?: boolean; user: { uid: number; gid: number; additionalGids?: number[] }; args: string[]; env: string[]; cwd: string };
  root: { path: string; readonly?: boolean };
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  [k: string]: unknown;
}

/** The user as numbers (runc knows no names; the images here use numeric USER lines). */
function numericUser(user: string | undefined): { uid: number; gid: number } {
  const [u = '0', g] = (user || '0').split(':');
  if (!/^\d+$/.test(u) || (g !== undefined && !/^\d+$/.test(g))) throw new Error(`user "${user}" is not numeric (uid[:gid]); give the image a numeric USER or pass user`);
  return { uid: Number(u), gid: Number(g ?? u) };
}

/** Runs the image once and returns its exit code and output. */
export async function runImage(archive: string, spec: RunSpec = {}): Promise<RunResult> {
  return (await runImageEach(archive, [spec]))[0]!;
}

/** Runs the image once per spec, in order, unpacking it only once (an unpack of a large image takes a while). */
export async function runImageEach(archive: string, specs: readonly RunSpec[]): Promise<RunResult[]> {
  const id = `sqlflow-check-${randomBytes(4).toString('hex')}`;
  // Not in imagesDir(): sweep() there must not remove a run of another process.
  const dir = join(cacheRoot(), 'images-run', id);
  await mkdir(dir, { recursive: true });
  try {
    const config = (JSON.parse(await check('skopeo', ['inspect', '--config', `docker-archive:${archive}`])) as { config?: ImageConfig }).config ?? {};
    await check('skopeo', ['copy', '--quiet', `docker-archive:${archive}`, `oci:${join(dir, 'oci')}:image`]);
    await check('umoci', ['unpack', '--image', `${join(dir, 'oci')}:image`, join(dir, 'bundle')]);
    const path = join(dir, 'bundle', 'config.json');
    const base = await readFile(path, 'utf8');
    const results: RunResult[] = [];
    for (const spec of specs) {
      const rt = JSON.parse(base) as RuntimeSpec;
      rt.process.terminal = false;
      rt.process.args = [...(spec.entrypoint ?? config.Entrypoint ?? []), ...(spec.args ?? (spec.entrypoint ? [] : config.Cmd ?? []))];
      if (!rt.process.args.length) throw new Error(`${archive} has no entrypoint or command, and none was given`);
      rt.process.user = numericUser(spec.user ?? config.User);
      rt.process.env = [...(config.Env ?? []), ...Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`)];
      rt.process.cwd = config.WorkingDir || '/';
      rt.root.readonly = spec.readOnly ?? true;
      for (const m of spec.tmpfs ?? []) rt.mounts.push({ destination: m, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', 'size=256m'] });
      await writeFile(path, JSON.stringify(rt));
      const state = join(dir, 'runc');
      try {
        results.push(await run('runc', ['--root', state, 'run', '--bundle', join(dir, 'bundle'), id]));
      } finally {
        await run('runc', ['--root', state, 'delete', '--force', id]);
      }
    }
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
