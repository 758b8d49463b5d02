// tools/kstatus, built once per version of its sources into the cache folder
// (~/.cache/sqlflow-operator/kstatus-<hash of go.mod, go.sum, main.go>/kstatus), and run on objects.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot } from '../../testenv/controlplane/binaries.ts';
import { ROOT } from '../../testenv/operator.ts';

const run = promisify(execFile);
const SOURCE = join(ROOT, 'tools', 'kstatus');

export interface KstatusResult {
  status: 'InProgress' | 'Failed' | 'Current' | 'Terminating' | 'NotFound' | 'Unknown';
  message: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

/** Path of the kstatus binary, building it (Go needed; first build ~1 min with a cold module cache) if missing. */
export async function kstatusBinary(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'main.go']) hash.update(await readFile(join(SOURCE, f)));
  const dir = join(cacheRoot(), `kstatus-${hash.digest('hex').slice(0, 16)}`);
  const bin = join(dir, 'kstatus');
  try {
    await access(bin);
    return bin;
  } catch {
    // build below
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${bin}.tmp.${process.pid}`;
  try {
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', tmp, '.'], {
      cwd: SOURCE, env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' }, maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    await rm(tmp, { force: true });
    const err = e as { stderr?: string; code?: string };
    throw new Error(err.code === 'ENOENT' ? 'kstatus: Go is needed to build tools/kstatus (install Go >= 1.26)' : `kstatus: go build failed:\n${err.stderr ?? String(e)}`);
  }
  await rename(tmp, bin); // atomic: a concurrent build just replaces it with the same binary
  return bin;
}

/** kstatus's status.Compute for `obj` (JSON). */
export async function kstatus(bin: string, obj: unknown): Promise<KstatusResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [], (err, stdout, stderr) => {
      if (err) reject(new Error(`kstatus: ${stderr || String(err)}`));
      else resolve(JSON.parse(stdout) as KstatusResult);
    });
    child.stdin!.end(JSON.stringify(obj));
  });
}
