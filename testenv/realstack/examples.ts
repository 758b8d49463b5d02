// Where Argo's example workflows are read from at test time (never copied into the repo):
// SQLFLOW_ARGO_EXAMPLES when set; else `../shared/argo/examples` beside the checkout (for a git
// worktree, beside its main checkout too); else the `examples/` of the Argo module source in Go's
// module cache (the same version tools/build-argo.sh built), when it is there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ROOT } from '../operator.ts';

export const ARGO_EXAMPLES = ['hello-world.yaml', 'steps.yaml', 'dag-diamond.yaml', 'dag-diamond-steps.yaml'] as const;

function quiet(cmd: string, args: string[], cwd: string): string | undefined {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The folder holding all four examples; throws naming every place it looked. */
export function argoExamplesDir(version: string): string {
  const looked: string[] = [];
  const candidates: string[] = [];
  const env = process.env.SQLFLOW_ARGO_EXAMPLES;
  if (env) candidates.push(resolve(env));
  candidates.push(resolve(ROOT, '..', 'shared', 'argo', 'examples'));
  // A worktree's common git dir is the main checkout's .git.
  const common = quiet('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], ROOT);
  if (common) candidates.push(resolve(dirname(common), '..', 'shared', 'argo', 'examples'));
  const modcache = quiet('go', ['env', 'GOMODCACHE'], ROOT);
  if (modcache) candidates.push(join(modcache, 'github.com', 'argoproj', 'argo-workflows', `v4@${version}`, 'examples'));
  for (const dir of new Set(candidates)) {
    looked.push(dir);
    if (ARGO_EXAMPLES.every((f) => existsSync(join(dir, f)))) return dir;
    if (dir === candidates[0] && env) throw new Error(`SQLFLOW_ARGO_EXAMPLES=${env} lacks one of ${ARGO_EXAMPLES.join(', ')}`);
  }
  throw new Error(`Argo's example workflows (${ARGO_EXAMPLES.join(', ')}) were not found; looked in:\n  ${looked.join('\n  ')}\n`
    + 'set SQLFLOW_ARGO_EXAMPLES to a folder holding them (e.g. the examples/ of an argo-workflows checkout)');
}
