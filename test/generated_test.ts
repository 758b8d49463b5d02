// The checked-in generated code is what `npm run generate` produces from its sources now: the SQLFlowJob types
// from the CRD, the protobuf code from proto/. Forgetting to regenerate after editing a source fails here, naming
// the file, the way controller-gen projects check in CI.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { CRD, OUT, ROOT, CrdSchemaError, renderCrdTypes } from '../scripts/crd-types.ts';

const run = promisify(execFile);
const FIX = 'run npm run generate and commit the result';
const tmp = await mkdtemp(join(tmpdir(), 'sqlflow-generate-'));
after(() => rm(tmp, { recursive: true, force: true }));

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

/** Where two texts first part (line, and a window around the column), so a failure shows what changed. */
function firstDifference(want: string, got: string): string {
  const a = want.split('\n');
  const b = got.split('\n');
  const i = a.findIndex((line, k) => line !== b[k]);
  const at = i === -1 ? a.length : i;
  const wa = a[at] ?? '';
  const wb = b[at] ?? '';
  let col = 0;
  while (col < wa.length && wa[col] === wb[col]) col++;
  const from = Math.max(0, col - 30);
  const show = (line: string | undefined) =>
    line === undefined ? '<end of file>' : JSON.stringify(`${from > 0 ? '…' : ''}${line.slice(from, from + 80)}${line.length > from + 80 ? '…' : ''}`);
  return `first difference at line ${at + 1}, column ${col + 1}: generated ${show(a[at])}, checked in ${show(b[at])}`;
}

describe('generated code is current', () => {
  it('src/gen/crd: the SQLFlowJob types match crds/sqlflow.org_sqlflowjobs.yaml', async () => {
    const file = relative(ROOT, OUT);
    const want = await renderCrdTypes(await readFile(CRD, 'utf8'));
    const got = await readFile(OUT, 'utf8').catch(() => undefined);
    assert.ok(got !== undefined, `${file} is missing; ${FIX}`);
    if (got !== want) {
      assert.fail(`${file} is not what the generator makes from ${relative(ROOT, CRD)} (${firstDifference(want, got)}); ${FIX}`);
    }
  });

  it('src/gen/sqlflow: the protobuf code matches proto/', async () => {
    // buf -o puts the template's out (src/gen) under the temp dir; protoc-gen-es comes from node_modules/.bin.
    const bin = join(ROOT, 'node_modules', '.bin');
    const env = { ...process.env, PATH: [bin, dirname(process.execPath), process.env.PATH].join(delimiter) };
    await run(join(bin, 'buf'), ['generate', '-o', tmp], { cwd: ROOT, env });
    const genDir = join(tmp, 'src', 'gen');
    const checkedDir = join(ROOT, 'src', 'gen');
    const produced = await files(genDir);
    assert.ok(produced.length > 0, `buf generate produced nothing under ${genDir}; check buf.gen.yaml`);
    // src/gen/crd is the CRD generator's (checked above); everything else under src/gen is buf's.
    const checkedIn = (await files(checkedDir)).filter((f) => !f.startsWith(`crd${sep}`));
    const problems: string[] = [];
    for (const f of produced) {
      const want = await readFile(join(genDir, f), 'utf8');
      const got = await readFile(join(checkedDir, f), 'utf8').catch(() => undefined);
      if (got === undefined) problems.push(`src/gen/${f} is missing`);
      else if (got !== want) problems.push(`src/gen/${f} differs from what buf generate makes from proto/ (${firstDifference(want, got)})`);
    }
    for (const f of checkedIn) if (!produced.includes(f)) problems.push(`src/gen/${f} is no longer generated from proto/ (delete it)`);
    assert.deepEqual(problems, [], `${problems.join('; ')}; ${FIX}`);
  });
});

describe('the CRD types generator on a broken CRD', () => {
  it('names the file and what is missing when there is no openAPIV3Schema', async () => {
    await assert.rejects(renderCrdTypes('spec:\n  versions:\n  - name: v1\n    storage: true\n', 'x.yaml'), (e: unknown) =>
      e instanceof CrdSchemaError && /^x\.yaml: no spec\.versions\[\]\.schema\.openAPIV3Schema/.test(e.message));
  });

  it('says to update NAMES when a named schema path is gone', async () => {
    const crd = (await readFile(CRD, 'utf8')).replace(/^( {14})logs:$/m, '$1logState:');
    await assert.rejects(renderCrdTypes(crd, 'x.yaml'), (e: unknown) =>
      e instanceof CrdSchemaError && e.message.includes('status.logs') && e.message.includes('update NAMES there'));
  });
});
