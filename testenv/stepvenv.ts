// The step runtime's virtual environment (scripts/step-venv.sh: made once in the cache, keyed by
// step/pyproject.toml), for the local stack and the tests. Its `bin` holds `step`, which the
// operator's default --step-command ["step","-e"] finds when that folder is first on PATH.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './operator.ts';

export interface StepVenv {
  dir: string;
  bin: string;
  python: string;
}

const venvAt = (dir: string): StepVenv => ({ dir, bin: join(dir, 'bin'), python: join(dir, 'bin', 'python') });

/**
 * Makes (or reuses) the venv; its messages go to `log` line by line (the first run installs the
 * dependencies). SQLFLOW_STEP_VENV names a venv of your own instead (e.g. one with an editable
 * install of step/ for development); it must hold bin/step.
 */
export async function stepVenv(log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<StepVenv> {
  const own = process.env.SQLFLOW_STEP_VENV;
  if (own) {
    const v = venvAt(own);
    await access(join(v.bin, 'step'), constants.X_OK).catch(() => {
      throw new Error(`SQLFLOW_STEP_VENV=${own} has no executable bin/step: install step/ into it (pip install -e ./step) or unset the variable`);
    });
    log(`step-venv: using SQLFLOW_STEP_VENV=${own}`);
    return v;
  }
  return new Promise((ok, fail) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'step-venv.sh')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const lines = err.split('\n');
      err = lines.pop()!;
      for (const l of lines) log(l);
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      if (err) log(err);
      const dir = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !dir) fail(new Error(`scripts/step-venv.sh exited ${code}: the step runtime's venv could not be made (its messages are above); the dry-run step (--dry-run) needs none`));
      else ok(venvAt(dir));
    });
  });
}
