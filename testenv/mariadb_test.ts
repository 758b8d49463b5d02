// The MariaDB launcher: a real server on loopback that the `sqlflow` user reaches over TCP
// with the password from the URL only, and that leaves no process or folder behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { alive } from './controlplane/processes.ts';
import { MARIADB_USER, startMariadb } from './mariadb.ts';

function client(port: number, password: string, sql: string): Promise<{ code: number; out: string }> {
  return new Promise((ok) => {
    // MYSQL_PWD: the password stays out of the argument list.
    execFile('mariadb', ['--no-defaults', '-h127.0.0.1', `-P${port}`, `-u${MARIADB_USER}`, '-N', '-e', sql],
      { env: { ...process.env, MYSQL_PWD: password } },
      (err, stdout, stderr) => ok({ code: err ? 1 : 0, out: `${stdout}${stderr}` }));
  });
}

test('startMariadb: a server on a free loopback port with its own data folder, gone after stop', async () => {
  const db = await startMariadb();
  const m = /^mysql:\/\/sqlflow:([^@]+)@tcp\(127\.0\.0\.1:(\d+)\)\/\?maxAllowedPacket=0$/.exec(db.url);
  assert.ok(m, `SQLFlow's mysql URL form: ${db.url.replace(/:[^:@]+@/, ':***@')}`);
  assert.equal(Number(m[2]), db.port);
  const pid = Number(await readFile(join(db.dir, 'mariadbd.pid'), 'utf8'));
  assert.ok(alive(pid));
  try {
    const r = await client(db.port, m[1]!, 'CREATE DATABASE t; CREATE TABLE t.x (a INT); INSERT INTO t.x VALUES (1),(2); SELECT SUM(a) FROM t.x');
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trim(), '3');
    assert.equal((await client(db.port, 'wrong', 'SELECT 1')).code, 1, 'a wrong password is refused');
  } finally {
    await db.stop();
  }
  assert.equal(alive(pid), false, 'mariadbd is gone');
  await assert.rejects(access(db.dir), 'the state folder is removed');
  assert.equal((await client(db.port, m[1]!, 'SELECT 1')).code, 1, 'nothing listens any more');
});
