// End to end: the operator (as its ServiceAccount) and the local Argo running steps as real processes; Fetch through
// the library and the CLI, with the user's kubeconfig.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { SQLFlowClient } from '../../src/client/index.ts';
import { main } from '../../src/cli/main.ts';
import type { Io } from '../../src/cli/io.ts';
import { installWorkflowCrd, startLocalArgo, type LocalArgo } from '../../testenv/argo/index.ts';
import { startControlPlane, type ControlPlane } from '../../testenv/controlplane/index.ts';
import { installOperator, startOperator, type OperatorProcess } from '../../testenv/operator.ts';

let cp: ControlPlane;
let argo: LocalArgo;
let op: OperatorProcess;
let client: SQLFlowClient;
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  cp = await startControlPlane();
  const sa = await installOperator(cp);
  await installWorkflowCrd(cp.kubeConfig());
  argo = await startLocalArgo({ kc: cp.kubeConfig(), kubelet: cp.kubelet! });
  op = await startOperator(cp, sa);
  client = new SQLFlowClient({ kc: cp.kubeConfig(), namespace: 'default' });
});
after(async () => {
  await client?.close();
  await op?.stop();
  await argo?.stop();
  await cp?.stop();
  clearInterval(keepAlive);
});

/** A step printing `count` numbered lines in bursts, flushing and pausing a few ms at random. */
function burstStep(step: number, count: number): string[] {
  const prog = `BEGIN{srand(${step + 11}); for(i=0;i<${count};i++){print "s${step} " i; if (rand()<0.002) {fflush(); system("sleep 0.00" int(rand()*9))}}}`;
  return ['awk', prog];
}

function workflow(name: string, steps: string[][]): string {
  return stringify({
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: `${name}-` },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', steps: steps.map((_, i) => [{ name: `p${i}`, template: `t${i}` }]) },
        ...steps.map((cmd, i) => ({ name: `t${i}`, container: { image: 'busybox', command: cmd } })),
      ],
    },
  });
}

function captureIo(): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '', readFile: (p) => readFile(p, 'utf8') };
}

describe('end to end (operator + local Argo)', () => {
  test('library: submit an Argo workflow of three real 100,000-line steps; fetch with small maxBytes gets the exact sequence', async () => {
    const COUNT = 100_000;
    const job = await client.submit(workflow('steps', [0, 1, 2].map((i) => burstStep(i, COUNT))), { name: 'stress' });
    assert.match(job.workflow, /^steps-[a-z0-9]{5}$/, `the workflow ID, as the original SQLFlow returned it (${job.workflow})`);
    const texts: string[] = [];
    let token = job.token;
    let calls = 0;
    for (;;) {
      const r = await client.fetch(token, { maxBytes: 8 * 1024, waitSeconds: 5 });
      calls++;
      for (const l of r.lines) texts.push(l.text);
      token = r.token;
      if (r.eof) break;
    }
    let k = 0;
    for (let s = 0; s < 3; s++) for (let n = 0; n < COUNT; n++, k++) if (texts[k] !== `s${s} ${n}`) assert.fail(`line ${k}: expected "s${s} ${n}", got ${JSON.stringify(texts[k])}`);
    assert.equal(texts.length, 3 * COUNT);
    assert.ok(calls > 100);
  });

  test('CLI: run a program with --follow (exit 0), logs from the beginning, get; a failing workflow exits 1', async () => {
    const dir = cp.dir;
    const prog = join(dir, 'prog.sql');
    await writeFile(prog, 'SELECT 1;\nSELECT 2 FROM t;\n');
    const io = captureIo();
    const code = await main(['run', prog, '--follow', '--name', 'cli-ok', '--kubeconfig', cp.kubeconfigPath, '-n', 'default'], io);
    assert.equal(code, 0, io.err.join(''));
    assert.deepEqual(io.out.join('').split('\n').filter(Boolean), ['SELECT 1', 'SELECT 2 FROM t']);
    assert.match(io.err.join(''), /job default\/cli-ok Succeeded/);

    const again = captureIo();
    assert.equal(await main(['logs', 'cli-ok', '--kubeconfig', cp.kubeconfigPath, '-n', 'default'], again), 0);
    assert.deepEqual(again.out.join('').split('\n').filter(Boolean), ['SELECT 1', 'SELECT 2 FROM t']);

    const g = captureIo();
    assert.equal(await main(['get', 'cli-ok', '--kubeconfig', cp.kubeconfigPath, '-n', 'default'], g), 0);
    assert.match(g.out.join(''), /Phase: +Succeeded/);
    assert.match(g.out.join(''), /2\/2 step-2 +Succeeded exit 0/);

    const wf = join(dir, 'fail.yaml');
    await writeFile(wf, workflow('fails', [['sh', '-c', 'echo about to fail; exit 3']]));
    const bad = captureIo();
    const badCode = await main(['run', wf, '-f', '--name', 'cli-bad', '--kubeconfig', cp.kubeconfigPath, '-n', 'default'], bad);
    assert.equal(badCode, 1, bad.err.join(''));
    // Argo's emissary prints its command's error (untagged, so Fetch delivers it) after the step's own lines.
    assert.deepEqual(bad.out.join('').split('\n').filter(Boolean), ['about to fail', 'Error: exit status 3']);
    assert.match(bad.err.join(''), /step 1\/1 p0: Failed \(exit code 3\)/);
  });
});
