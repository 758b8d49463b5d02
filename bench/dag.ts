// Parallel steps: one program (two models trained on the same table, then an evaluation and a
// prediction with each: test/support/dag_program.ts) run as spec.schedule Sequential and as DAG,
// side by side in the same run on the local stack (real apiserver, local Argo, operator) with the
// real step runtime (`step -e` from scripts/step-venv.sh on the stack's datasource: MariaDB where
// installed, else SQLite). Prints, per round, each job's wall time (create → Succeeded), the ratio
// Sequential ÷ DAG (> 1: the DAG is faster), and what the sequential run's own step times say the
// DAG could reach: its longest branch (train + the slower of evaluate/predict) against the sum of
// all its steps. Then the median over the rounds; after the last round, checks that both runs
// left equal result tables (metrics and predictions).
//
// BENCH_ROUNDS (3) sets the rounds; BENCH_DRY=1 replaces every step by `sleep BENCH_STEP_SECONDS`
// (2 s) and an echo, which shows the schedule's effect alone (no venv, no database).
// Run: bash scripts/with-node24.sh node --import tsx bench/dag.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { installOperator, startOperator } from '../testenv/operator.ts';
import { DATASOURCE_SECRET, startLocalStack } from '../testenv/stack.ts';
import { Jobs } from '../test/support/jobs.ts';
import { DAG_PROGRAM_DEPTH, DAG_PROGRAM_STEPS, dagProgram, readTable, RESULT_TABLES } from '../test/support/dag_program.ts';
import type { SQLFlowJob } from '../src/api/job.ts';

const dry = process.env.BENCH_DRY === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_STEP_SECONDS ?? 2);
const stepCommand = dry ? ['sh', '-c', `sleep ${seconds}; printf '%s\\n' "$0"`] : ['step', '-e'];

const dir = await mkdtemp(join(tmpdir(), 'sqlflow-bench-dag-'));
const stack = await startLocalStack({ dir, log: () => {}, dryRun: dry });
console.log(dry
  ? `step runtime: none (BENCH_DRY=1); each step sleeps ${seconds} s`
  : `step runtime: real (\`step -e\` from ${stack.venv!.bin}), datasource ${stack.datasource!.kind}`);
const op = await startOperator(stack.controlPlane, await installOperator(stack.controlPlane), [`--step-command=${JSON.stringify(stepCommand)}`]);

const secondsOf = (s: { startedAt?: string; finishedAt?: string }) => (Date.parse(s.finishedAt!) - Date.parse(s.startedAt!)) / 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Sum of a finished job's step times and its longest branch (steps 0 → 2,3 and 1 → 4,5). */
function branches(j: SQLFlowJob): { sum: number; longest: number } {
  const d = (j.status?.steps ?? []).sort((a, b) => a.index - b.index).map(secondsOf);
  return { sum: d.reduce((s, x) => s + x, 0), longest: Math.max(d[0]! + Math.max(d[2]!, d[3]!), d[1]! + Math.max(d[4]!, d[5]!)) };
}

try {
  const jobs = new Jobs(stack.controlPlane.kubeConfig());
  const datasource = dry ? {} : { datasource: { secretKeyRef: { name: DATASOURCE_SECRET.name, key: DATASOURCE_SECRET.key } } };
  const run = async (name: string, schedule: 'DAG' | 'Sequential'): Promise<{ wall: number; job: SQLFlowJob }> => {
    const t0 = performance.now();
    await jobs.create(name, { sql: dagProgram(name.replaceAll('-', '_')), schedule, ...datasource });
    const job = await jobs.waitFor(name, 'finished', (x) => ['Succeeded', 'Failed', 'Error'].includes(x.status?.phase ?? ''), 1_800_000);
    if (job.status!.phase !== 'Succeeded') throw new Error(`${name} ${job.status!.phase}: ${job.status!.message}`);
    return { wall: (performance.now() - t0) / 1000, job };
  };
  const ratios: number[] = [];
  const walls: [number, number][] = [];
  let last: [string, string] = ['', ''];
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so neither schedule always runs on a warmer machine.
    const first = round % 2 === 0 ? 'Sequential' : 'DAG';
    const names = { Sequential: `seq-${round}`, DAG: `dag-${round}` };
    const a = await run(names[first], first);
    const b = await run(names[first === 'DAG' ? 'Sequential' : 'DAG'], first === 'DAG' ? 'Sequential' : 'DAG');
    const [seq, dag] = first === 'Sequential' ? [a, b] : [b, a];
    const s = branches(seq.job);
    ratios.push(seq.wall / dag.wall);
    walls.push([seq.wall, dag.wall]);
    last = [names.Sequential, names.DAG];
    console.log(`round ${round} (${first} first): Sequential ${seq.wall.toFixed(1)} s, DAG ${dag.wall.toFixed(1)} s, ratio ${(seq.wall / dag.wall).toFixed(2)}; `
      + `Sequential's steps: sum ${s.sum.toFixed(0)} s, longest branch ${s.longest.toFixed(0)} s`);
  }
  console.log(`median over ${rounds} rounds: Sequential ${median(walls.map((w) => w[0])).toFixed(1)} s, DAG ${median(walls.map((w) => w[1])).toFixed(1)} s, `
    + `ratio ${median(ratios).toFixed(2)} (all: ${ratios.map((r) => r.toFixed(2)).join(' / ')}; ${DAG_PROGRAM_STEPS} steps, longest branch ${DAG_PROGRAM_DEPTH} deep: ${DAG_PROGRAM_STEPS / DAG_PROGRAM_DEPTH} if all steps took as long; `
    + `the sequential run's own sum ÷ longest branch is the bound on this machine)`);
  if (!dry) {
    for (const t of RESULT_TABLES) {
      const [x, y] = await Promise.all(last.map((p) => readTable(stack.venv!.bin, stack.datasource!.url, `iris.${p.replaceAll('-', '_')}_${t}`)));
      console.log(`${t}: ${isDeepStrictEqual(x, y) ? 'equal' : 'DIFFERENT'} (${x!.rows.length} rows, Sequential vs DAG of the last round)`);
    }
  }
} finally {
  await op.stop();
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
