// The local Argo against a real control plane: node trees, pods, messages, logs and controls as Argo makes them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { fnv1a32, startLocalArgo, type Workflow } from '../../testenv/argo/index.ts';
import { ORPHAN_MESSAGE } from '../../testenv/argo/podrunner.ts';
import { open, raw, until } from '../support/http.ts';
import { boot, getWf, nodeByName, patchWf, podsOf, shutdown, submit, waitDone, type Env } from './support.ts';
import { withoutExecutorLines } from '../support/emissary.ts';

let env: Env;
before(async () => { env = await boot(); });
after(async () => { await shutdown(env); });

/** Expected node ID and pod name, computed here from Argo's rules. */
const id = (wf: string, node: string) => (node === wf ? wf : `${wf}-${fnv1a32(node)}`);
const pod = (wf: string, node: string, tmpl: string) => `${wf}-${tmpl}-${fnv1a32(node)}`;

const echo = { name: 'echo', inputs: { parameters: [{ name: 'msg' }] }, container: { image: 'busybox', command: ['echo', '{{inputs.parameters.msg}}'] } };

async function logOf(p: string, container = 'main'): Promise<string> {
  const r = await raw(env.kc, 'GET', `/api/v1/namespaces/default/pods/${p}/log?container=${container}`);
  assert.equal(r.status, 200, r.body);
  return container === 'main' ? withoutExecutorLines(r.body) : r.body;
}

describe('steps', () => {
  it('runs groups in sequence with the node tree, pods and logs Argo makes', async () => {
    const name = 'steps-a';
    await submit(env, {
      metadata: { name },
      spec: {
        entrypoint: 'main',
        arguments: { parameters: [{ name: 'greeting', value: 'hi' }] },
        podMetadata: { labels: { team: 'data' }, annotations: { note: 'x' } },
        templates: [
          { name: 'main', steps: [
            [{ name: 'hello1', template: 'echo', arguments: { parameters: [{ name: 'msg', value: '{{workflow.parameters.greeting}} from {{workflow.name}} in {{workflow.namespace}}' }] } }],
            [{ name: 'hello2a', template: 'echo', arguments: { parameters: [{ name: 'msg', value: '2a' }] } },
             { name: 'hello2b', template: 'echo', arguments: { parameters: [{ name: 'msg', value: '2b' }] } }],
          ] },
          echo,
        ],
      },
    });
    const wf = await waitDone(env, name);
    assert.equal(wf.status?.phase, 'Succeeded');
    assert.equal(wf.status?.progress, '3/3');
    assert.equal(wf.metadata.labels?.['workflows.argoproj.io/phase'], 'Succeeded');
    assert.deepEqual(wf.status?.conditions, [{ type: 'PodRunning', status: 'False' }, { type: 'Completed', status: 'True' }]);
    const nodes = wf.status!.nodes!;
    const expect = (nodeName: string, type: string, children: string[], boundary?: string) => {
      const n = nodes[id(name, nodeName)];
      assert.ok(n, `node ${nodeName}`);
      assert.equal(n.name, nodeName);
      assert.equal(n.type, type);
      assert.equal(n.phase, 'Succeeded');
      assert.deepEqual(n.children ?? [], children.map((c) => id(name, c)), `children of ${nodeName}`);
      assert.equal(n.boundaryID, boundary);
      return n;
    };
    const root = expect(name, 'Steps', [`${name}[0]`]);
    assert.equal(root.templateName, 'main');
    assert.deepEqual(root.outboundNodes, [id(name, `${name}[1].hello2a`), id(name, `${name}[1].hello2b`)]);
    assert.equal(expect(`${name}[0]`, 'StepGroup', [`${name}[0].hello1`], name).displayName, '[0]');
    const h1 = expect(`${name}[0].hello1`, 'Pod', [`${name}[1]`], name);
    assert.equal(h1.displayName, 'hello1');
    assert.equal(h1.templateName, 'echo');
    assert.equal(h1.outputs?.exitCode, '0');
    assert.equal(h1.hostNodeName, env.cp.kubelet!.nodeName);
    assert.equal(h1.progress, '1/1');
    expect(`${name}[1]`, 'StepGroup', [`${name}[1].hello2a`, `${name}[1].hello2b`], name);
    expect(`${name}[1].hello2a`, 'Pod', [], name);
    expect(`${name}[1].hello2b`, 'Pod', [], name);
    assert.equal(nodes[id(name, `${name}[0]`)]!.progress, '3/3');
    assert.equal(Object.keys(nodes).length, 6);

    const pods = await podsOf(env, name);
    const p = pods.find((x) => x.metadata!.name === pod(name, `${name}[0].hello1`, 'echo'));
    assert.ok(p, `pod names: ${pods.map((x) => x.metadata!.name).join(', ')}`);
    assert.equal(pods.length, 3);
    assert.equal(p.metadata!.labels!['workflows.argoproj.io/workflow'], name);
    assert.equal(p.metadata!.labels!['workflows.argoproj.io/completed'], 'true');
    assert.equal(p.metadata!.labels!.team, 'data');
    assert.equal(p.metadata!.annotations!.note, 'x');
    assert.equal(p.metadata!.annotations!['workflows.argoproj.io/node-name'], `${name}[0].hello1`);
    assert.equal(p.metadata!.annotations!['workflows.argoproj.io/node-id'], id(name, `${name}[0].hello1`));
    assert.equal(p.metadata!.annotations!['kubectl.kubernetes.io/default-container'], 'main');
    assert.deepEqual(p.metadata!.ownerReferences!.map((r) => ({ ...r })), [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name, uid: wf.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(p.spec!.initContainers!.map((c) => c.name), ['init']);
    assert.deepEqual(p.spec!.containers.map((c) => c.name), ['wait', 'main']);
    assert.equal(p.spec!.restartPolicy, 'Never');
    assert.equal(p.spec!.nodeName, env.cp.kubelet!.nodeName);
    assert.equal(p.status!.phase, 'Succeeded');
    const main = p.status!.containerStatuses!.find((c) => c.name === 'main')!;
    assert.equal(main.state!.terminated!.exitCode, 0);
    assert.equal(main.state!.terminated!.reason, 'Completed');

    assert.equal(await logOf(pod(name, `${name}[0].hello1`, 'echo')), `hi from ${name} in default\n`);
    assert.equal(await logOf(pod(name, `${name}[1].hello2b`, 'echo')), '2b\n');
    assert.equal(await logOf(pod(name, `${name}[1].hello2b`, 'echo'), 'wait'), '');
  });

  it("fails the workflow with Argo's messages when a step fails", async () => {
    const name = 'steps-fail';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', steps: [
        [{ name: 'ok', template: 'sh', arguments: { parameters: [{ name: 'code', value: '0' }] } },
         { name: 'bad', template: 'sh', arguments: { parameters: [{ name: 'code', value: '1' }] } }],
        [{ name: 'never', template: 'sh', arguments: { parameters: [{ name: 'code', value: '0' }] } }],
      ] },
      { name: 'sh', inputs: { parameters: [{ name: 'code' }] }, container: { image: 'alpine', command: ['sh', '-c', 'echo out; echo err >&2; exit {{inputs.parameters.code}}'] } },
    ] } });
    const wf = await waitDone(env, name);
    const badId = id(name, `${name}[0].bad`);
    const bad = wf.status!.nodes![badId]!;
    assert.equal(bad.phase, 'Failed');
    assert.equal(bad.message, 'main: Error (exit code 1)');
    assert.equal(bad.outputs?.exitCode, '1');
    const group = wf.status!.nodes![id(name, `${name}[0]`)]!;
    assert.equal(group.phase, 'Failed');
    assert.equal(group.message, `child '${badId}' failed`);
    assert.equal(wf.status?.phase, 'Failed');
    assert.equal(wf.status?.message, `child '${badId}' failed`);
    assert.equal(wf.status?.progress, '1/2');
    assert.equal(nodeByName(wf, `${name}[1]`), undefined, 'the next group never starts');
    assert.equal(await logOf(pod(name, `${name}[0].bad`, 'sh')), 'out\nerr\n');
    const p = (await podsOf(env, name)).find((x) => x.metadata!.name === pod(name, `${name}[0].bad`, 'sh'))!;
    assert.equal(p.status!.phase, 'Failed');
    assert.equal(p.status!.containerStatuses!.find((c) => c.name === 'main')!.state!.terminated!.reason, 'Error');
  });

  it("fails a step whose command does not exist as Argo's emissary does (exit 64)", async () => {
    const name = 'no-such-cmd';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'x', command: ['no-such-command-xyz'] } }] } });
    const wf = await waitDone(env, name);
    const msg = 'failed to find name in PATH: exec: "no-such-command-xyz": executable file not found in $PATH';
    assert.equal(wf.status!.nodes![name]!.message, `main: Error (exit code 64): ${msg}`);
    assert.equal(wf.status?.phase, 'Failed');
    assert.equal(await logOf(name), `${msg}\n`);
  });

  it("puts the main container's termination message (the kubelet's rules) into the failed node's message", async () => {
    const name = 'term-msg';
    // The file is where the pod's terminationMessagePath would be mounted; its path comes in the environment.
    const sh = (script: string, policy?: string) => ({
      image: 'alpine', command: ['sh', '-c', script], ...(policy ? { terminationMessagePolicy: policy } : {}),
    });
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', steps: [[
        { name: 'file', template: 'file' }, { name: 'fallback', template: 'fallback' }, { name: 'plain', template: 'plain' },
      ]] },
      { name: 'file', container: sh('echo log line; printf "table t is missing" > "$SQLFLOW_STEP_TERMINATION_MESSAGE_PATH"; exit 1') },
      { name: 'fallback', container: sh('echo first; echo last words; exit 2', 'FallbackToLogsOnError') },
      { name: 'plain', container: sh('echo only in the log; exit 3') },
    ] } });
    const wf = await waitDone(env, name);
    assert.equal(nodeByName(wf, `${name}[0].file`)!.message, 'main: Error (exit code 1): table t is missing');
    // The log's tail, as a kubelet reads it: the emissary's own last lines are in the container's log too.
    assert.equal(withoutExecutorLines(nodeByName(wf, `${name}[0].fallback`)!.message!.replace(/^main: Error \(exit code 2\): /, '')), 'first\nlast words\n');
    assert.match(nodeByName(wf, `${name}[0].fallback`)!.message!, /^main: Error \(exit code 2\): first\nlast words\ntime=\S+ level=INFO msg="sub-process exited" argo=true error="exit status 2"\nError: exit status 2\n$/);
    assert.equal(nodeByName(wf, `${name}[0].plain`)!.message, 'main: Error (exit code 3)', 'policy File (the default): the log is not used');
    const p = (await podsOf(env, name)).find((x) => x.metadata!.name === pod(name, `${name}[0].file`, 'file'))!;
    assert.equal(p.status!.containerStatuses!.find((c) => c.name === 'main')!.state!.terminated!.message, 'table t is missing');
  });

  it('expands withItems (scalars and maps) into item nodes', async () => {
    const name = 'items';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', steps: [[
        { name: 'n', template: 'echo', arguments: { parameters: [{ name: 'msg', value: 'n={{item}}' }] }, withItems: [1, 'two'] },
        { name: 'm', template: 'echo', arguments: { parameters: [{ name: 'msg', value: '{{item.os}}/{{item.v}}' }] }, withItems: [{ os: 'debian', v: '12' }] },
      ]] },
      echo,
    ] } });
    const wf = await waitDone(env, name);
    assert.equal(wf.status?.phase, 'Succeeded');
    const names = [`${name}[0].n(0:1)`, `${name}[0].n(1:two)`, `${name}[0].m(0:os:debian,v:12)`];
    assert.deepEqual(wf.status!.nodes![id(name, `${name}[0]`)]!.children, names.map((n) => id(name, n)));
    assert.equal(nodeByName(wf, names[1]!)!.displayName, 'n(1:two)');
    assert.equal(await logOf(pod(name, names[0]!, 'echo')), 'n=1\n');
    assert.equal(await logOf(pod(name, names[2]!, 'echo')), 'debian/12\n');
  });
});

describe('dag', () => {
  it('runs a diamond with depends, omits a branch whose condition fails, and nests a steps template', async () => {
    const name = 'dag-a';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', dag: { tasks: [
        { name: 'A', template: 'echo', arguments: { parameters: [{ name: 'msg', value: 'A' }] } },
        { name: 'B', depends: 'A', template: 'echo', arguments: { parameters: [{ name: 'msg', value: 'B' }] } },
        { name: 'C', depends: 'A.Succeeded', template: 'twice', arguments: { parameters: [{ name: 'msg', value: 'C' }] } },
        { name: 'F', depends: 'A.Failed', template: 'echo', arguments: { parameters: [{ name: 'msg', value: 'F' }] } },
        { name: 'D', depends: 'B && (C || F)', template: 'echo', arguments: { parameters: [{ name: 'msg', value: 'D' }] } },
      ] } },
      { name: 'twice', inputs: { parameters: [{ name: 'msg' }] }, steps: [[
        { name: 'e', template: 'echo', arguments: { parameters: [{ name: 'msg', value: '{{inputs.parameters.msg}}{{item}}' }] }, withItems: [1, 2] },
      ]] },
      echo,
    ] } });
    const wf = await waitDone(env, name);
    assert.equal(wf.status?.phase, 'Succeeded', JSON.stringify(wf.status, null, 1));
    const n = (x: string) => wf.status!.nodes![id(name, x)]!;
    assert.equal(n(name).type, 'DAG');
    assert.deepEqual(n(name).children, [id(name, `${name}.A`)]);
    assert.deepEqual(n(`${name}.A`).children, [id(name, `${name}.B`), id(name, `${name}.C`), id(name, `${name}.F`)]);
    assert.equal(n(`${name}.F`).phase, 'Omitted');
    assert.equal(n(`${name}.F`).type, 'Skipped');
    assert.equal(n(`${name}.F`).message, 'omitted: depends condition not met');
    assert.equal(n(`${name}.C`).type, 'Steps');
    assert.equal(n(`${name}.C`).boundaryID, name);
    const cPods = [`${name}.C[0].e(0:1)`, `${name}.C[0].e(1:2)`];
    assert.deepEqual(n(`${name}.C`).outboundNodes, cPods.map((x) => id(name, x)));
    assert.equal(n(cPods[0]!).boundaryID, id(name, `${name}.C`));
    // D hangs from B and from C's outbound pods (and from the omitted F).
    for (const parent of [`${name}.B`, ...cPods, `${name}.F`]) assert.deepEqual(n(parent).children, [id(name, `${name}.D`)], parent);
    assert.deepEqual(n(name).outboundNodes, [id(name, `${name}.D`)]);
    assert.equal(wf.status?.progress, '5/5');
    assert.equal(await logOf(pod(name, cPods[1]!, 'echo')), 'C2\n');
  });

  it('fails the DAG when a task fails and its dependants are omitted', async () => {
    const name = 'dag-fail';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', dag: { tasks: [
        { name: 'A', template: 'fail' },
        { name: 'B', dependencies: ['A'], template: 'fail' },
      ] } },
      { name: 'fail', container: { image: 'x', command: ['false'] } },
    ] } });
    const wf = await waitDone(env, name);
    assert.equal(wf.status?.phase, 'Failed');
    assert.equal(nodeByName(wf, `${name}.A`)!.message, 'main: Error (exit code 1)');
    assert.equal(nodeByName(wf, `${name}.B`)!.phase, 'Omitted');
    assert.equal(nodeByName(wf, name)!.phase, 'Failed');
  });
});

describe('running pods', () => {
  it('streams a running step\'s log through the apiserver while it grows', async () => {
    const name = 'follow';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', script: { image: 'python', command: ['sh'], source: 'for i in 1 2 3 4; do echo line $i; sleep 1; done\n' } },
    ] } });
    await until('pod running', async () => (await getWf(env, name)).status?.nodes?.[name]?.phase === 'Running');
    const res = await open(env.kc, 'GET', `/api/v1/namespaces/default/pods/${name}/log?container=main&follow=true&timestamps=true`);
    assert.equal(res.statusCode, 200);
    const seen: { text: string; at: number }[] = [];
    for await (const chunk of res) seen.push({ text: String(chunk), at: Date.now() });
    const lines = seen.map((s) => s.text).join('').split('\n').slice(0, -1);
    assert.deepEqual(lines.map((l) => l.slice(l.indexOf(' ') + 1)).slice(0, 4), ['line 1', 'line 2', 'line 3', 'line 4']);
    assert.match(lines[4] ?? '', / msg="sub-process exited" argo=true error=<nil>$/, 'then the emissary\'s line');
    assert.equal(lines.length, 5);
    // Live, not at the end: the first bytes reached us before the last line was even written (its
    // kubelet timestamp). Comparing two clocks of this machine, not durations, so load cannot break it
    // unless opening the stream took longer than the 3 s the script runs before its last line.
    const lastWritten = Date.parse(lines[3]!.slice(0, lines[3]!.indexOf(' ')));
    assert.ok(seen[0]!.at < lastWritten, `first chunk at ${seen[0]!.at}, last line written at ${lastWritten}: lines arrive as they are written`);
    assert.equal((await waitDone(env, name)).status?.phase, 'Succeeded');
  });

  it('takes env from a Secret and a ConfigMap, expands $(VAR) and $$ as the kubelet, honours workingDir', async () => {
    await env.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'creds' }, stringData: { user: 'alice' } } });
    await env.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' }, data: { region: 'eu' } } });
    const name = 'env';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', container: {
        image: 'x', workingDir: '/tmp',
        // The expanded words reach the shell as positional parameters, which it does not re-interpret.
        command: ['sh', '-c', 'pwd; printf "%s|" "$@"; echo', 'sh'],
        args: ['$(USER_NAME)', '$(REGION)', '$$(REGION)', '$$$(REGION)', '$(NOPE)', '$(GREETING)', '$$'],
        env: [
          { name: 'USER_NAME', valueFrom: { secretKeyRef: { name: 'creds', key: 'user' } } },
          { name: 'REGION', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'region' } } },
          { name: 'GREETING', value: 'hello $(USER_NAME) $(LATER)' },
          { name: 'LATER', value: 'x' },
          { name: 'OPT', valueFrom: { secretKeyRef: { name: 'creds', key: 'absent', optional: true } } },
        ],
      } },
    ] } });
    const wf = await waitDone(env, name);
    assert.equal(wf.status?.phase, 'Succeeded', wf.status?.nodes?.[name]?.message);
    assert.equal(await logOf(name), '/tmp\nalice|eu|$(REGION)|$eu|$(NOPE)|hello alice $(LATER)|$|\n');
  });

  it('keeps a pod waiting with CreateContainerConfigError while a secret key is missing, then runs it', async () => {
    await env.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'later' }, stringData: { other: '1' } } });
    const name = 'cfg-error';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', container: { image: 'x', command: ['sh', '-c', 'echo "$TOKEN"'], env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'later', key: 'token' } } }] } },
    ] } });
    const node = await until('node waits', async () => {
      const n = (await getWf(env, name)).status?.nodes?.[name];
      return n?.message ? n : undefined;
    });
    assert.equal(node.phase, 'Pending');
    assert.equal(node.message, "CreateContainerConfigError: couldn't find key token in Secret default/later");
    await env.core.patchNamespacedSecret({ name: 'later', namespace: 'default', body: { stringData: { token: 's3cret' } } },
      (await import('../../src/kube/index.ts')).patchOptions('merge'));
    const wf = await waitDone(env, name);
    assert.equal(wf.status?.phase, 'Succeeded');
    assert.equal(await logOf(name), 's3cret\n');
  });

  it('Terminate stops a sleeping step with SIGTERM and fails it with Argo\'s messages', async () => {
    const name = 'terminate';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', steps: [[{ name: 'sleep', template: 'sleep' }], [{ name: 'after', template: 'sleep' }]] },
      { name: 'sleep', container: { image: 'x', command: ['sleep', '300'] } },
    ] } });
    const stepName = `${name}[0].sleep`;
    await until('step running', async () => nodeByName(await getWf(env, name), stepName)?.phase === 'Running');
    const t0 = Date.now();
    await patchWf(env, name, { spec: { shutdown: 'Terminate' } });
    const wf = await waitDone(env, name);
    assert.ok(Date.now() - t0 < 15_000);
    const step = nodeByName(wf, stepName)!;
    assert.equal(step.phase, 'Failed');
    assert.equal(step.message, 'workflow shutdown with strategy:  Terminate');
    assert.equal(wf.status?.phase, 'Failed');
    assert.equal(wf.status?.message, "Stopped with strategy 'Terminate'");
    const p = await until('pod terminated', async () => {
      const x = (await podsOf(env, name)).find((q) => q.metadata!.name === pod(name, stepName, 'sleep'));
      return x?.status?.phase === 'Failed' ? x : undefined;
    });
    assert.equal(p.status!.containerStatuses!.find((c) => c.name === 'main')!.state!.terminated!.exitCode, 143);
  });

  it('fails a step past activeDeadlineSeconds with "Step exceeded its deadline"', async () => {
    const name = 'deadline';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', activeDeadlineSeconds: 2, templates: [
      { name: 'main', steps: [[{ name: 's', template: 'sleep' }]] },
      { name: 'sleep', container: { image: 'x', command: ['sleep', '300'] } },
    ] } });
    const wf = await waitDone(env, name, 30_000);
    assert.equal(nodeByName(wf, `${name}[0].s`)!.message, 'Step exceeded its deadline');
    assert.equal(wf.status?.phase, 'Failed');
  });

  it('suspend holds new steps until cleared', async () => {
    const name = 'suspend';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', suspend: true, templates: [
      { name: 'main', container: { image: 'x', command: ['true'] } },
    ] } });
    await new Promise((r) => setTimeout(r, 1500));
    const held = await getWf(env, name);
    assert.equal(held.status?.phase, 'Running');
    assert.deepEqual(held.status?.nodes ?? {}, {});
    await patchWf(env, name, { spec: { suspend: null } });
    assert.equal((await waitDone(env, name)).status?.phase, 'Succeeded');
  });

  it('deleting a running Workflow kills its process; garbage collection removes pods and logs', async () => {
    const name = 'delete-me';
    const marker = join(await mkdtemp(join(tmpdir(), 'argo-test-')), 'term');
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [
      { name: 'main', container: { image: 'x', command: ['sh', '-c', `echo started; trap "echo got TERM > ${marker}; exit 3" TERM; while :; do sleep 0.1; done`] } },
    ] } });
    await until('running', async () => (await getWf(env, name)).status?.nodes?.[name]?.phase === 'Running');
    await until('log', async () => (await logOf(name)).includes('started'));
    await env.custom.deleteNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows', namespace: 'default', name });
    // The process gets SIGTERM at once; the garbage collector deletes the pod (ownerReference) and the runner,
    // as a kubelet, completes that graceful delete and drops the pod's logs.
    await until('process got SIGTERM', async () => (await readFile(marker, 'utf8').catch(() => '')) === 'got TERM\n', 10_000);
    await until('pod collected', async () => (await podsOf(env, name)).length === 0, 90_000, 300);
    assert.equal(env.cp.kubelet!.logs.hasPod('default', name), false);
  });
});

describe('podGC and ttlStrategy', () => {
  it('OnPodSuccess deletes succeeded pods after the delay and keeps failed ones', async () => {
    const name = 'gc';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', podGC: { strategy: 'OnPodSuccess', deleteDelayDuration: '1s' }, templates: [
      { name: 'main', steps: [[{ name: 'ok', template: 'ok' }, { name: 'bad', template: 'bad' }]] },
      { name: 'ok', container: { image: 'x', command: ['true'] } },
      { name: 'bad', container: { image: 'x', command: ['false'] } },
    ] } });
    await waitDone(env, name);
    await until('ok pod gone', async () => (await podsOf(env, name)).map((p: V1Pod) => p.metadata!.name).join() === pod(name, `${name}[0].bad`, 'bad'), 20_000, 200);
  });

  it('OnWorkflowCompletion deletes every pod, and ttlStrategy deletes the workflow', async () => {
    const name = 'gc-ttl';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', podGC: { strategy: 'OnWorkflowCompletion', deleteDelayDuration: '0s' }, ttlStrategy: { secondsAfterCompletion: 2 }, templates: [
      { name: 'main', container: { image: 'x', command: ['true'] } },
    ] } });
    await waitDone(env, name);
    await until('pods gone', async () => (await podsOf(env, name)).length === 0, 20_000, 200);
    await until('workflow gone', async () => (await raw(env.kc, 'GET', `/apis/argoproj.io/v1alpha1/namespaces/default/workflows/${name}`)).status === 404, 20_000, 200);
  });
});

describe('restarts', () => {
  it('fails a step whose process a previous instance started, instead of hanging', async () => {
    const name = 'orphan';
    await submit(env, { metadata: { name }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'x', command: ['sleep', '300'] } }] } });
    await until('running', async () => (await getWf(env, name)).status?.nodes?.[name]?.phase === 'Running');
    await env.argo.stop();
    env.argo = await startLocalArgo({ kc: env.kc, kubelet: env.cp.kubelet! });
    const wf = await waitDone(env, name);
    assert.equal(wf.status?.phase, 'Failed');
    assert.equal(wf.status?.nodes?.[name]?.message, ORPHAN_MESSAGE);
    // The restarted instance runs new workflows as usual.
    await submit(env, { metadata: { name: 'after-restart' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'x', command: ['true'] } }] } });
    assert.equal((await waitDone(env, 'after-restart')).status?.phase, 'Succeeded');
  });
});

describe('controller instance IDs', () => {
  it('leaves workflows of another instance alone; the instance with that ID runs them', async () => {
    const labelled = (n: string, v: string): Omit<Workflow, 'apiVersion' | 'kind'> => ({
      metadata: { name: n, labels: { 'workflows.argoproj.io/controller-instanceid': v } },
      spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'x', command: ['true'] } }] },
    });
    await submit(env, labelled('for-x', 'x'));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await getWf(env, 'for-x')).status, undefined, 'the controller without an ID ignores labelled workflows');
    const x = await startLocalArgo({ kc: env.kc, kubelet: env.cp.kubelet!, instanceId: 'x' });
    try {
      const wf = await waitDone(env, 'for-x');
      assert.equal(wf.status?.phase, 'Succeeded');
      const p = (await podsOf(env, 'for-x'))[0]!;
      assert.equal(p.metadata!.labels!['workflows.argoproj.io/controller-instanceid'], 'x');
      await submit(env, labelled('for-y', 'y'));
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await getWf(env, 'for-y')).status, undefined, 'instance x ignores instance y');
    } finally {
      await x.stop();
    }
  });
});
