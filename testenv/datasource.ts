// The step runtime's datasource for the local stack and the tests: a real MariaDB server where
// Debian's mariadb-server is installed, else SQLite files (nothing to install), loaded with the
// sample tables (python -m sqlflow_step.samples: iris, diabetes, sqlflow_models).
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { findMariadb, startMariadb } from './mariadb.ts';
import type { StepVenv } from './stepvenv.ts';

export type DatasourceKind = 'mariadb' | 'sqlite';

export interface Datasource {
  kind: DatasourceKind;
  /** The SQLFLOW_DATASOURCE value steps get (holds the MariaDB password: keep it in a Secret). */
  url: string;
  stop(): Promise<void>;
}

/** The SQLite URL for a folder: the file main.db, with one more file per database (iris.db, …) beside it. */
export function sqliteUrl(folder: string): string {
  return `sqlite:///${join(folder, 'main.db')}`;
}

/** Runs `python -m sqlflow_step.samples` with the URL in the environment (never as an argument). */
export function loadSamples(venv: StepVenv, url: string, log: (m: string) => void): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(venv.python, ['-m', 'sqlflow_step.samples'], { env: { ...process.env, SQLFLOW_DATASOURCE: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let all = '';
    const each = (d: Buffer) => {
      all += d.toString();
      for (const l of d.toString().split('\n').filter(Boolean)) log(l);
    };
    child.stdout.on('data', each);
    child.stderr.on('data', each);
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`loading the sample data failed (python -m sqlflow_step.samples exited ${code}):\n${all.trim().split('\n').slice(-10).join('\n')}`))));
  });
}

/**
 * Starts the datasource under `dir` and loads the samples. `kind` forces one; by default MariaDB
 * when installed, else SQLite.
 */
export async function startDatasource(opts: { dir: string; venv: StepVenv; kind?: DatasourceKind; log?: (m: string) => void }): Promise<Datasource> {
  const log = opts.log ?? (() => {});
  const kind = opts.kind ?? ((await findMariadb()) ? 'mariadb' : 'sqlite');
  let ds: Datasource;
  if (kind === 'mariadb') {
    const db = await startMariadb({ dir: join(opts.dir, 'mariadb'), log });
    ds = { kind, url: db.url, stop: db.stop };
  } else {
    const folder = join(opts.dir, 'sqlite');
    await mkdir(folder, { recursive: true });
    log(`sqlite: database files in ${folder}`);
    ds = { kind, url: sqliteUrl(folder), stop: () => rm(folder, { recursive: true, force: true }) };
  }
  try {
    await loadSamples(opts.venv, ds.url, log);
  } catch (err) {
    await ds.stop();
    throw err;
  }
  return ds;
}

/** The URL with its password replaced, for messages. */
export function redacted(url: string): string {
  return url.replace(/^([a-z+]+:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}
