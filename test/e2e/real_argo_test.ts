// Real Argo Workflows v4.0.5 on the real node: its own CRDs and RBAC from the module's manifests, the
// workflow-controller as a Deployment pod from the locally built image, configured with the local argoexec,
// and Argo's four example workflows (read at test time from the folder testenv/realstack/examples.ts finds) running to Succeeded.
// In `npm test`: the images it needs are built before the tests run (`testenv/cli.ts binaries`).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { BUSYBOX_IMAGE, startRealNode, unsupported, type RealNode } from '../../testenv/node/index.ts';
import { argoBinaries, argoImage, type ArgoBuild } from '../../testenv/images/argo.ts';
import { installArgo } from '../../testenv/realstack/argo.ts';
import { ARGO_EXAMPLES, argoExamplesDir } from '../../testenv/realstack/examples.ts';
import { until } from '../support/http.ts';
import { cannotRun } from './cannot_run.ts';

const why = unsupported();
// Queue behind another test run's real node on this machine instead of failing at once.
process.env.SQLFLOW_REAL_NODE_WAIT ??= '2400';

if (why) cannotRun('e2e tier: real Argo on the real node', why);
else describe('e2e tier: real Argo on the real node', () => {
  let node: RealNode;
  let examples: string;
  const log = (m: string) => console.error(m);
  const kubectl = async (args: string[], input?: string) => {
    const r = await node.controlPlane.kubectl(args, input === undefined ? {} : { input });
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    const t0 = Date.now();
    // Built before the node starts: a cold build must not hold the machine lock.
    const argo: ArgoBuild = await argoBinaries(log);
    examples = argoExamplesDir(argo.version);
    const images = [await argoImage('argoexec', argo, log), await argoImage('workflow-controller', argo, log)];
    node = await startRealNode({ log });
    await node.importImages(images.map((i) => i.archive));
    await node.tagImage(BUSYBOX_IMAGE, 'docker.io/library/busybox:latest'); // the examples' `image: busybox`
    await installArgo(node, argo, ['default'], log);
    console.error(`e2e: real node + Argo ${argo.version} installed in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  });

  after(async () => {
    if (node) {
      await node.controlPlane.kubectl(['delete', 'workflows', '--all', '-n', 'default', '--wait=true', '--timeout=60s']);
      const left = await node.stop();
      assert.deepEqual(left, [], 'the machine is as it was');
    }
  });

  it('runs the workflow-controller as a pod from the local image', async () => {
    const core = node.controlPlane.kubeConfig().makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: 'argo', labelSelector: 'app=workflow-controller' });
    assert.equal(pods.items.length, 1);
    assert.equal(pods.items[0]!.status?.phase, 'Running');
    assert.match(pods.items[0]!.spec?.containers[0]?.image ?? '', /^docker\.io\/local\/workflow-controller:v4\.0\.5$/);
  });

  for (const file of ARGO_EXAMPLES) {
    it(`runs Argo's example ${file} to Succeeded`, async () => {
      const text = await readFile(join(examples, file), 'utf8');
      const name = (await kubectl(['create', '-n', 'default', '-f', '-', '-o', 'jsonpath={.metadata.name}'], text)).trim();
      const t0 = Date.now();
      const phase = await until(`workflow ${name} to finish`, async () => {
        const p = (await kubectl(['get', 'workflow', '-n', 'default', name, '-o', 'jsonpath={.status.phase}'])).trim();
        return p === 'Succeeded' || p === 'Failed' || p === 'Error' ? p : undefined;
      }, 300_000, 500);
      const status = await kubectl(['get', 'workflow', '-n', 'default', name, '-o', 'jsonpath={.status.message}']);
      assert.equal(phase, 'Succeeded', `workflow ${name}: ${status}`);
      console.error(`e2e: ${file} Succeeded in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      const core = node.controlPlane.kubeConfig().makeApiClient(CoreV1Api);
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: `workflows.argoproj.io/workflow=${name}` });
      assert.ok(pods.items.length > 0);
      for (const p of pods.items) {
        assert.deepEqual(p.spec?.initContainers?.map((c) => c.name), ['init']);
        assert.deepEqual(p.spec?.containers.map((c) => c.name).sort(), ['main', 'wait']);
      }
      if (file === 'hello-world.yaml') {
        const out = await kubectl(['logs', '-n', 'default', pods.items[0]!.metadata!.name!, '-c', 'main']);
        assert.match(out, /^hello world$/m);
      }
    });
  }
});



