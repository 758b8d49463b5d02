// A real MariaDB server as a local process, for the local stack and the tests: Debian's
// `mariadb-server` (mariadbd, mariadb-install-db), a data folder of its own made by
// mariadb-install-db, listening on a free port of loopback (or of a given address), with a user `sqlflow` whose random
// password never appears in an argument (it reaches the server through an --init-file that is
// removed once the server is up). Stopped with its process group; a guardian kills it if the
// owning Node process dies. Never imported by src/.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './controlplane/ports.ts';
import { guard, reapStale, startProcess, stopProcess, type Managed } from './controlplane/processes.ts';

const STATE_PREFIX = 'sqlflow-mariadb-';
export const MARIADB_USER = 'sqlflow';

export interface MariadbBinaries {
  mariadbd: string;
  installDb: string;
}

async function executable(p: string): Promise<boolean> {
  return access(p, constants.X_OK).then(() => true, () => false);
}

/** mariadbd and mariadb-install-db from PATH or Debian's places (/usr/sbin is not on every user's PATH); undefined when not installed. */
export async function findMariadb(): Promise<MariadbBinaries | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  const find = async (names: string[]) => {
    for (const d of dirs) for (const n of names) if (await executable(join(d, n))) return join(d, n);
    return undefined;
  };
  const mariadbd = await find(['mariadbd', 'mysqld']);
  const installDb = await find(['mariadb-install-db', 'mysql_install_db']);
  return mariadbd && installDb ? { mariadbd, installDb } : undefined;
}

export interface Mariadb {
  port: number;
  dir: string;
  /** SQLFlow's form, as steps read it from SQLFLOW_DATASOURCE: mysql://sqlflow:<password>@tcp(<address>:<port>)/?maxAllowedPacket=0 */
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((ok) => {
    execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      ok({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
  });
}

/**
 * Starts MariaDB with a fresh data folder in `dir` (default: a temporary folder, removed on stop).
 * Resolves once the server is ready for connections. Throws a clear error when MariaDB is not installed.
 */
export interface MariadbOptions {
  dir?: string;
  log?: (m: string) => void;
  /** The address to listen on (default 127.0.0.1; the real node's stack gives its node address, which pods reach). */
  address?: string;
  /** Host patterns the `sqlflow` user may connect from (default: the listen address), e.g. '10.88.0.%' for pods. */
  clients?: string[];
  /** Called with the port before the server listens (the real node adds it to its egress guard's port set). */
  beforeListen?: (port: number) => Promise<void>;
}

export async function startMariadb(opts: MariadbOptions = {}): Promise<Mariadb> {
  const log = opts.log ?? (() => {});
  const address = opts.address ?? '127.0.0.1';
  const clients = opts.clients ?? [address];
  for (const c of clients) if (!/^[0-9a-f.:%_/]+$/i.test(c)) throw new Error(`startMariadb: client host pattern ${c} is not an address pattern`);
  const bins = await findMariadb();
  if (!bins) throw new Error('MariaDB is not installed (no mariadbd / mariadb-install-db): on Debian, apt-get install mariadb-server; the local stack falls back to SQLite without it');
  await reapStale(tmpdir(), STATE_PREFIX);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), STATE_PREFIX)));
  await mkdir(dir, { recursive: true });
  await guard(dir, ownDir);
  const data = join(dir, 'data');
  // mariadbd refuses to run as root unless told to; as anyone else --user is ignored.
  const user = userInfo().username;
  const installed = await run(bins.installDb, [
    '--no-defaults', `--datadir=${data}`, `--user=${user}`, '--skip-test-db', '--auth-root-authentication-method=socket',
  ]);
  if (installed.code !== 0) throw new Error(`mariadb-install-db into ${data} failed (exit ${installed.code}):\n${installed.out.split('\n').slice(-15).join('\n')}`);

  const password = randomBytes(18).toString('base64url');
  const initFile = join(dir, 'init.sql');
  await writeFile(initFile, [...clients.flatMap((c) => [
    `CREATE USER IF NOT EXISTS '${MARIADB_USER}'@'${c}' IDENTIFIED BY '${password}';`,
    `GRANT ALL PRIVILEGES ON *.* TO '${MARIADB_USER}'@'${c}' WITH GRANT OPTION;`,
  ]), ''].join('\n'), { mode: 0o600 });
  // A unix socket path must fit in sun_path (108 bytes); a deep state folder gets one in the temp folder.
  const socket = join(dir, 'mariadbd.sock').length < 100 ? join(dir, 'mariadbd.sock') : join(tmpdir(), `${STATE_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  const port = await freePort();
  await opts.beforeListen?.(port);
  const errorLog = join(dir, 'mariadbd.err');
  const proc: Managed = await startProcess(dir, 'mariadbd', bins.mariadbd, [
    '--no-defaults', `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, `--bind-address=${address}`,
    '--skip-name-resolve', `--user=${user}`, `--init-file=${initFile}`, `--log-error=${errorLog}`,
    `--pid-file=${join(dir, 'mariadbd.pid-file')}`, '--performance-schema=OFF', '--skip-log-bin',
    '--innodb-buffer-pool-size=256M', '--innodb-flush-log-at-trx-commit=2', '--max-allowed-packet=256M',
    '--character-set-server=utf8mb4', '--collation-server=utf8mb4_general_ci',
  ]);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  const stop = async () => {
    await stopProcess(proc, 30_000);
    await rm(socket, { force: true });
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const text = await readFile(errorLog, 'utf8').catch(() => '');
      if (/ready for connections/.test(text)) break;
      if (exited || Date.now() > deadline) {
        throw new Error(`mariadbd ${exited ? 'exited while starting' : 'not ready after 120 s'}; its log ${errorLog}:\n${text.split('\n').slice(-15).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    await rm(initFile, { force: true });
  }
  log(`mariadb: ${bins.mariadbd} on ${address}:${port}, data in ${data}`);
  return {
    port, dir, logFile: errorLog, stop,
    url: `mysql://${MARIADB_USER}:${password}@tcp(${address}:${port})/?maxAllowedPacket=0`,
  };
}
