// Steps templates (workflow/controller/steps.go): groups run in sequence, the steps of a group in
// parallel. Node names: `<node>[i]` for group i, `<node>[i].<step>` for its steps; group 0 hangs from
// the Steps node, group i+1 from the outbound nodes of group i's steps.
import type { Operation } from './operation.ts';
import { expandItems } from './templates.ts';
import { failedOrError, nodeFulfilled, type NodeStatus, type Template } from './types.ts';

export function executeSteps(op: Operation, nodeName: string, tmpl: Template, boundaryID: string | undefined): NodeStatus {
  const { nodes } = op;
  const node = nodes.byName(nodeName) ?? nodes.init(nodeName, 'Steps', { templateName: tmpl.name, boundaryID, phase: 'Running' });
  if (nodeFulfilled(node.phase)) return node;
  const groups = tmpl.steps ?? [];
  for (let i = 0; i < groups.length; i++) {
    const sgName = `${nodeName}[${i}]`;
    if (!nodes.byName(sgName)) nodes.init(sgName, 'StepGroup', { boundaryID: node.id, phase: 'Running', nodeFlag: true });
    if (i === 0) {
      nodes.addChild(nodeName, sgName);
    } else {
      const prev = nodes.byName(`${nodeName}[${i - 1}]`)!;
      for (const child of prev.children ?? []) {
        for (const out of nodes.outbound(child)) nodes.addChild(nodes.get(out)!.name, sgName);
      }
    }
    const sg = executeStepGroup(op, groups[i] ?? [], sgName, node.id);
    if (!nodeFulfilled(sg.phase)) return node;
    if (failedOrError(sg.phase)) {
      updateOutbound(op, node, groups.length);
      return nodes.mark(nodeName, 'Failed', sg.message);
    }
  }
  updateOutbound(op, node, groups.length);
  return nodes.mark(nodeName, 'Succeeded');
}

function executeStepGroup(op: Operation, group: Template['steps'] extends (infer G)[] | undefined ? G : never, sgName: string, boundaryID: string): NodeStatus {
  const { nodes } = op;
  const sg = nodes.byName(sgName)!;
  if (nodeFulfilled(sg.phase)) return sg;
  const steps = group.flatMap((s) => expandItems(s));
  const continueOn = new Map<string, { failed?: boolean; error?: boolean } | undefined>();
  let waiting = false;
  for (const step of steps) {
    const childName = `${sgName}.${step.name}`;
    continueOn.set(childName, step.continueOn);
    const child = op.executeTemplate(childName, step.template, step.arguments, boundaryID);
    if (child) nodes.addChild(sgName, childName);
    else waiting = true; // not created yet (spec.parallelism reached)
  }
  const children = (sg.children ?? []).map((id) => nodes.get(id)!);
  if (waiting || children.some((c) => !nodeFulfilled(c.phase))) return sg;
  for (const c of children) {
    const co = continueOn.get(c.name);
    const continues = (c.phase === 'Failed' && co?.failed) || (c.phase === 'Error' && co?.error);
    if (failedOrError(c.phase) && !continues) return nodes.mark(sgName, 'Failed', `child '${c.id}' failed`);
  }
  return nodes.mark(sgName, 'Succeeded');
}

/** The Steps node's outbound nodes: those of the last initialised group's children. */
function updateOutbound(op: Operation, node: NodeStatus, groups: number): void {
  for (let i = groups - 1; i >= 0; i--) {
    const sg = op.nodes.byName(`${node.name}[${i}]`);
    if (!sg) continue;
    node.outboundNodes = (sg.children ?? []).flatMap((c) => op.nodes.outbound(c));
    return;
  }
}
