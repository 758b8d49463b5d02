import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { programEffects, refName } from './effects.ts';
import { parseProgram } from './parse.ts';

/** One line per statement: `R a,b W c` or `BARRIER`. */
function effects(program: string): string[] {
  return programEffects(parseProgram(program)).map((e) =>
    e.barrier !== undefined ? 'BARRIER' : `R ${e.reads.map(refName).sort().join(',')} W ${e.writes.map(refName).sort().join(',')}`);
}

function check(program: string, expected: string): void {
  assert.deepEqual(effects(program), [expected], program);
}

describe('statement effects', () => {
  it('queries: FROM, JOIN, comma lists, subqueries, parenthesised joins; CTE names are not tables', () => {
    check('SELECT * FROM a', 'R a W ');
    check('SELECT * FROM a x, b AS y JOIN c ON x.i = c.i LEFT OUTER JOIN d USING (i)', 'R a,b,c,d W ');
    check('SELECT * FROM (SELECT * FROM a) q, b WHERE b.x IN (SELECT x FROM c) AND EXISTS (SELECT 1 FROM d)', 'R a,b,c,d W ');
    check('SELECT * FROM (a JOIN b ON 1), c', 'R a,b,c W ');
    check('WITH w AS (SELECT * FROM a), v (x) AS (SELECT x FROM w) SELECT * FROM v JOIN b ON 1', 'R a,b W ');
    check('WITH RECURSIVE r AS (SELECT 1 UNION ALL SELECT n FROM r) SELECT * FROM r', 'R  W ');
    check('SELECT EXTRACT(YEAR FROM d), TRIM(BOTH x FROM y) FROM t', 'R t W ');
    check('SELECT * FROM a UNION SELECT * FROM b', 'R a,b W ');
    check('SELECT * FROM `Db`.`T` JOIN db.`u` ON 1', 'R db.t,db.u W ');
    check('SELECT * FROM UNNEST(x) AS u', 'R  W ');
    check('SELECT 1', 'R  W ');
  });

  it('DDL and DML targets', () => {
    check('CREATE TABLE t AS SELECT * FROM a JOIN b ON 1', 'R a,b W t');
    check('CREATE TABLE IF NOT EXISTS t (id INT, v TEXT)', 'R  W t');
    check('CREATE TABLE t LIKE a', 'R a W t');
    check('CREATE OR REPLACE VIEW v AS SELECT * FROM a', 'R a W v');
    check('CREATE INDEX i ON t (c)', 'R  W t');
    check('INSERT INTO t (a, b) VALUES (1, 2)', 'R  W t');
    check('INSERT IGNORE INTO t SELECT * FROM a', 'R a W t');
    check('REPLACE INTO t SELECT * FROM a', 'R a W t');
    check('UPDATE t SET v = (SELECT max(v) FROM a)', 'R a W t');
    check('UPDATE t JOIN a ON t.i = a.i SET t.v = a.v', 'R a W a,t');
    check('DELETE FROM t WHERE i IN (SELECT i FROM a)', 'R a,t W t');
    check('DROP TABLE IF EXISTS t, u', 'R  W t,u');
    check('ALTER TABLE t ADD COLUMN c INT', 'R  W t');
    check('ALTER TABLE t RENAME TO u', 'R  W t,u');
    check('RENAME TABLE a TO b, c TO d', 'R  W a,b,c,d');
    check('TRUNCATE TABLE t', 'R  W t');
    check('TRUNCATE t', 'R  W t');
    check('DESCRIBE t', 'R t W ');
    check('SHOW CREATE TABLE t', 'R t W ');
  });

  it('extended statements', () => {
    check('SELECT * FROM a TO TRAIN DNNClassifier WITH model.n_classes = 3 LABEL c INTO m', 'R a W m');
    check('SELECT * FROM a TO TRAIN DNNClassifier LABEL c USING m0 INTO m', 'R a,m0 W m');
    check('SELECT * FROM a TO PREDICT p.c USING m', 'R a,m W p');
    check('SELECT * FROM a TO PREDICT db.p.c USING db2.m', 'R a,db2.m W db.p');
    check('SELECT * FROM a TO EVALUATE m LABEL c INTO e', 'R a,m W e');
    check('SELECT * FROM a TO EXPLAIN m USING TreeExplainer INTO x', 'R a,m W x');
    check('SELECT * FROM a TO EXPLAIN m', 'R a,m W ');
    check('SELECT * FROM a TO MAXIMIZE SUM(p * n) CONSTRAINT SUM(n) <= 10 WITH variables="n(k)" USING glpk INTO r', 'R a W r');
    check('SHOW TRAIN m', 'R m W ');
    check('SELECT * FROM a TO RUN img/x:1 CMD "a" INTO r1, r2', 'R a W r1,r2');
    check('SELECT * FROM a TO TRAIN DNN WITH validation.select = "SELECT * FROM v JOIN w ON 1" LABEL c INTO m', 'R a,v,w W m');
    check('SELECT * FROM a FOR UPDATE', 'R a W ');
    check('WITH x AS (SELECT * FROM a) INSERT INTO t SELECT * FROM x', 'R a W t');
  });

  it('barriers: what we cannot know for sure', () => {
    for (const s of ['SET x = 1', 'CALL p()', 'SELECT * FROM a TO RUN img/x:1 CMD "a"', 'PREPARE s FROM @q', 'EXECUTE s',
      'BEGIN', 'LOCK TABLES t WRITE', 'CREATE PROCEDURE p() BEGIN SELECT 1; END', 'DROP DATABASE d', 'GRANT ALL ON t TO u',
      'SHOW TABLES', 'WITH x AS (SELECT 1) DELETE FROM t', 'MERGE INTO t USING a ON 1 WHEN MATCHED THEN DELETE']) {
      assert.deepEqual(effects(s).at(0), 'BARRIER', s);
    }
  });

  it('USE sets the database of what follows; names are case-insensitive', () => {
    assert.deepEqual(effects('SELECT * FROM T; USE Iris; SELECT * FROM T JOIN other.U ON 1; USE b; INSERT INTO t SELECT * FROM iris.t'), [
      'R t W ', 'R  W ', 'R iris.t,other.u W ', 'R  W ', 'R iris.t W b.t',
    ]);
  });

  it('reading a view the program made reads what the view reads', () => {
    assert.deepEqual(effects('CREATE VIEW v AS SELECT * FROM a; SELECT * FROM v'), ['R a W v', 'R a,v W ']);
  });
});
