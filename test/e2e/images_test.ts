// The real-node test bed's images, built here without a registry (testenv/images) and then run
// as pods would run them (runc on the unpacked image: read-only root, the image's non-root user,
// a tmpfs /tmp): the operator image from the project's Dockerfile, the step image from
// step/Dockerfile, and Argo's argoexec and workflow-controller. The first run builds everything
// (many minutes); later runs reuse the archives cached by content hash.
// Needs Linux and root (and apt-get when buildah & co. are missing); elsewhere it fails naming why, unless
// SQLFLOW_E2E=skip says that is expected (then it is reported as skipped, with the reason).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureImages, imagesUnavailable, type Image, type ImageName, type Images } from '../../testenv/images/index.ts';
import { argoVersion } from '../../testenv/images/argo.ts';
import { check } from '../../testenv/images/exec.ts';
import { runImageEach, type RunSpec } from '../../testenv/images/run.ts';
import { cannotRun } from './cannot_run.ts';

const log = (m: string) => process.stderr.write(`${m}\n`);
const why = await imagesUnavailable(log);
if (why) log(`\n*** test/e2e/images_test.ts DID NOT RUN: ${why} ***\n`);

let built: Images;
const image = (name: ImageName): Image => built.images.find((i) => i.name === name)!;

/** Runs the image once per spec (one unpack) and returns each run's output; every run must exit 0. */
async function runs(name: ImageName, specs: RunSpec[]): Promise<string[]> {
  const results = await runImageEach(image(name).archive, specs);
  return results.map((r, i) => {
    assert.equal(r.code, 0, `${name} ${JSON.stringify(specs[i])} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout + r.stderr;
  });
}

if (why) cannotRun('test-bed images (buildah, no registry)', why);
else describe('test-bed images (buildah, no registry)', () => {
  before(async () => {
    const start = Date.now();
    built = await ensureImages(log);
    log(`images: ensureImages took ${((Date.now() - start) / 1000).toFixed(1)}s`);
  }, { timeout: 90 * 60_000 });

  it('are docker-archives tagged with their refs, reused from the cache on a second call', async () => {
    const version = (JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
    const argo = await argoVersion();
    assert.deepEqual(built.images.map((i) => i.ref), [
      `docker.io/local/argoexec:${argo}`, `docker.io/local/workflow-controller:${argo}`,
      `docker.io/local/sqlflow-operator:${version}`, `docker.io/local/sqlflow-step:${version}`]);
    for (const i of built.images) {
      const manifest = JSON.parse(await check('tar', ['-xOf', i.archive, 'manifest.json'])) as Array<{ RepoTags: string[] }>;
      assert.deepEqual(manifest.map((m) => m.RepoTags), [[i.ref]], i.archive);
    }
    // The Dockerfiles re-declare their base ARG in the final stage, so the label names the base.
    for (const [name, base] of [['operator', /^docker\.io\/local\/node:24\./], ['step', /^docker\.io\/local\/python:3\.11-/]] as const) {
      const config = JSON.parse(await check('skopeo', ['inspect', '--config', `docker-archive:${image(name).archive}`])) as { config: { Labels: Record<string, string> } };
      assert.match(config.config.Labels['org.opencontainers.image.base.name'] ?? '', base, name);
    }
    const again = await ensureImages(log);
    assert.deepEqual(again.images, built.images);
    // Argo's manifests stay reachable for installing Argo as users do.
    await readFile(join(built.argo.dir, 'manifests', 'base', 'crds', 'minimal', 'argoproj.io_workflows.yaml'));
  });

  it('operator: node 24 as uid 65532 on a read-only root, no npm, sqlflow-operator --help and sqlflow --help', async () => {
    const [out = '', help = '', cli = ''] = await runs('operator', [
      { entrypoint: ['sh', '-c', 'id -u; id -g; node --version; touch /app/x 2>&1; command -v npm || echo no-npm'] },
      { args: ['--help'] },
      { entrypoint: ['sqlflow'], args: ['--help'] },
    ]);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], '65532', out);
    assert.equal(lines[1], '65532', out);
    assert.match(lines[2]!, /^v24\.\d+\.\d+$/, out);
    assert.match(out, /Read-only file system/);
    assert.match(out, /^no-npm$/m);
    assert.match(help, /^usage: sqlflow-operator/m);
    assert.match(cli, /^Usage: sqlflow <command>/m);
  });

  it('step: step -e "SELECT 1" on SQLite as non-root on a read-only root (tmpfs /tmp)', async () => {
    const [ident = '', out = ''] = await runs('step', [
      { entrypoint: ['sh', '-c', 'id -u; touch /opt/step/x 2>&1 || true'], tmpfs: ['/tmp'] },
      { args: ['-e', 'SELECT 1 AS one;'], tmpfs: ['/tmp'], env: { SQLFLOW_DATASOURCE: 'sqlite:////tmp/main.db' } },
    ]);
    assert.match(ident, /^65532$/m);
    assert.match(ident, /Read-only file system/);
    assert.match(out, /SQLFlow Step Execute:/);
    assert.match(out, /^head:<.*one/m);
    assert.match(out, /^row:</m);
  });

  it('argoexec and workflow-controller print their version', async () => {
    const argo = await argoVersion();
    const v = argo.replace(/\./g, '\\.');
    assert.match((await runs('argoexec', [{ args: ['version'] }]))[0]!, new RegExp(`^argoexec: ${v}`, 'm'));
    assert.match((await runs('workflow-controller', [{ args: ['version'] }]))[0]!, new RegExp(`^workflow-controller: ${v}`, 'm'));
  });
});
