import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { programEffects, type Effects } from '../sql/effects.ts';
import { parseProgram } from '../sql/parse.ts';
import { conflicts, schedule } from './dag.ts';

// Random programs over a few tables and models, in every statement form whose effects we know,
// plus barriers and USE. The oracle is brute force on the text level: which objects each
// statement names is fixed by the generator, not computed by the code under test.

const TABLES = ['a', 'b', 'c'];
const MODELS = ['m', 'n'];
const DBS = ['', 'd1.', 'd2.'];

interface Gen {
  readonly sql: string;
  /** Objects as the generator means them, before USE resolution: [db or '', name]. */
  readonly reads: readonly (readonly [string, string])[];
  readonly writes: readonly (readonly [string, string])[];
  readonly barrier?: boolean;
  readonly use?: string;
}

const table = fc.tuple(fc.constantFrom(...DBS), fc.constantFrom(...TABLES));
const model = fc.tuple(fc.constantFrom(...DBS), fc.constantFrom(...MODELS));
const name = ([db, n]: readonly [string, string]) => `${db}${n}`;
const obj = ([db, n]: readonly [string, string]) => [db.replace('.', ''), n] as const;

const statement: fc.Arbitrary<Gen> = fc.oneof(
  fc.tuple(table, table).map(([x, y]) => ({ sql: `SELECT * FROM ${name(x)} JOIN ${name(y)} ON 1`, reads: [obj(x), obj(y)], writes: [] })),
  fc.tuple(table, table).map(([x, y]) => ({ sql: `CREATE TABLE ${name(x)} AS SELECT * FROM ${name(y)}`, reads: [obj(y)], writes: [obj(x)] })),
  fc.tuple(table, table).map(([x, y]) => ({ sql: `INSERT INTO ${name(x)} SELECT * FROM (SELECT * FROM ${name(y)}) s`, reads: [obj(y)], writes: [obj(x)] })),
  table.map((x) => ({ sql: `DROP TABLE IF EXISTS ${name(x)}`, reads: [], writes: [obj(x)] })),
  fc.tuple(table, model).map(([x, m]) => ({ sql: `SELECT * FROM ${name(x)} TO TRAIN DNNClassifier LABEL c INTO ${name(m)}`, reads: [obj(x)], writes: [obj(m)] })),
  fc.tuple(table, model, table).map(([x, m, y]) => ({ sql: `SELECT * FROM ${name(x)} TO PREDICT ${name(y)}.c USING ${name(m)}`, reads: [obj(x), obj(m)], writes: [obj(y)] })),
  fc.tuple(table, model, table).map(([x, m, y]) => ({ sql: `SELECT * FROM ${name(x)} TO EVALUATE ${name(m)} LABEL c INTO ${name(y)}`, reads: [obj(x), obj(m)], writes: [obj(y)] })),
  model.map((m) => ({ sql: `SHOW TRAIN ${name(m)}`, reads: [obj(m)], writes: [] })),
  fc.constantFrom('d1', 'd2').map((d) => ({ sql: `USE ${d}`, reads: [], writes: [], use: d })),
  fc.constant({ sql: 'SET x = 1', reads: [], writes: [], barrier: true }),
);

/** Resolves the generator's objects against USE, the way the effects must. */
function oracleEffects(program: readonly Gen[]): Effects[] {
  let db: string | undefined;
  return program.map((g) => {
    if (g.use !== undefined) {
      db = g.use;
      return { reads: [], writes: [] };
    }
    const r = (o: readonly [string, string]) => {
      const d = o[0] === '' ? db : o[0];
      return d === undefined ? { name: o[1], kind: 'table' as const } : { db: d, name: o[1], kind: 'table' as const };
    };
    return g.barrier ? { reads: [], writes: [], barrier: 'set' } : { reads: g.reads.map(r), writes: g.writes.map(r) };
  });
}

function mayBeSame(x: { db?: string; name: string }, y: { db?: string; name: string }): boolean {
  return x.name === y.name && (x.db === undefined || y.db === undefined || x.db === y.db);
}

function oracleConflict(e: Effects, l: Effects): boolean {
  if (e.barrier !== undefined || l.barrier !== undefined) return true;
  return e.writes.some((w) => [...l.reads, ...l.writes].some((x) => mayBeSame(w, x))) || e.reads.some((r) => l.writes.some((w) => mayBeSame(r, w)));
}

describe('schedule', () => {
  it('reachability in the DAG equals the transitive closure of conflicts, and no edge is implied by others', () => {
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 14 }), (program) => {
        const statements = parseProgram(program.map((g) => g.sql).join(';\n'));
        const want = oracleEffects(program);
        const got = programEffects(statements);
        const n = program.length;
        // Effects the code computes: the same conflicts as the oracle's.
        for (let j = 0; j < n; j++) {
          for (let i = 0; i < j; i++) {
            assert.equal(conflicts(got[i]!, got[j]!).length > 0, oracleConflict(want[i]!, want[j]!), `conflict ${i + 1}→${j + 1}`);
          }
        }
        // Closure of the oracle's conflicts (i < j, so one forward pass suffices).
        const closure = Array.from({ length: n }, () => new Set<number>());
        for (let j = 0; j < n; j++) {
          for (let i = 0; i < j; i++) {
            if (oracleConflict(want[i]!, want[j]!)) {
              closure[j]!.add(i);
              for (const k of closure[i]!) closure[j]!.add(k);
            }
          }
        }
        const { depends } = schedule(got);
        const reach = Array.from({ length: n }, () => new Set<number>());
        for (let j = 0; j < n; j++) {
          for (const i of depends[j]!) {
            assert.ok(i < j, 'edges point forward');
            reach[j]!.add(i);
            for (const k of reach[i]!) reach[j]!.add(k);
          }
          // Never two conflicting at once, never two independent ones ordered.
          assert.deepEqual([...reach[j]!].sort((x, y) => x - y), [...closure[j]!].sort((x, y) => x - y), `ancestors of statement ${j + 1}`);
          // Reduced: no direct edge is reachable through another direct edge.
          for (const i of depends[j]!) for (const k of depends[j]!) assert.ok(!reach[k]!.has(i), `edge ${i + 1}→${j + 1} is implied by ${k + 1}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('two trainings on one table with their evaluations and predictions form two branches', () => {
    const s = schedule(programEffects(parseProgram(`
      SELECT * FROM t TO TRAIN DNNClassifier LABEL c INTO m1;
      SELECT * FROM t TO TRAIN XGBoost LABEL c INTO m2;
      SELECT * FROM t TO EVALUATE m1 LABEL c INTO e1;
      SELECT * FROM t TO EVALUATE m2 LABEL c INTO e2;
      SELECT * FROM t TO PREDICT p1.c USING m1;
      SELECT * FROM t TO PREDICT p2.c USING m2;
      SET x = 1;
      SELECT * FROM p1 JOIN p2 ON 1`)));
    assert.deepEqual(s.depends, [[], [], [0], [1], [0], [1], [2, 3, 4, 5], [6]]);
    assert.deepEqual(s.conflicts[2]!.get(0), [{ kind: 'read-after-write', what: 'm1' }]);
  });

  it('write after read and write after write are conflicts', () => {
    const s = schedule(programEffects(parseProgram('SELECT * FROM a; DROP TABLE a; CREATE TABLE a (i INT)')));
    assert.deepEqual(s.depends, [[], [0], [1]]);
    assert.deepEqual(s.conflicts[1]!.get(0), [{ kind: 'write-after-read', what: 'a' }]);
    assert.deepEqual(s.conflicts[2]!.get(1), [{ kind: 'write-after-write', what: 'a' }]);
  });
});
