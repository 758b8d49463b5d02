// DAG templates (workflow/controller/dag.go): task nodes are `<dag>.<task>` (`<dag>.<task>(i:item)` under a
// TaskGroup for withItems); a task runs when its dependencies are fulfilled and its depends logic holds,
// else it is Omitted. Root tasks hang from the DAG node, others from their dependencies' outbound nodes.
import { dependencyNames, evaluateDepends, resolvedDepends, type TaskResults } from './depends.ts';
import type { Operation } from './operation.ts';
import { expandItems } from './templates.ts';
import { failedOrError, nodeCompleted, nodeFulfilled, type DAGTask, type NodePhase, type NodeStatus, type Template } from './types.ts';

class DagContext {
  readonly visited = new Set<string>();
  constructor(
    readonly op: Operation,
    readonly boundaryName: string,
    readonly boundaryID: string,
    readonly tasks: DAGTask[],
  ) {}

  task(name: string): DAGTask {
    const t = this.tasks.find((x) => x.name === name);
    if (!t) throw new Error(`target ${name} does not exist`);
    return t;
  }

  taskNodeName(name: string): string {
    return `${this.boundaryName}.${name}`;
  }

  taskNode(name: string): NodeStatus | undefined {
    return this.op.nodes.byName(this.taskNodeName(name));
  }

  deps(name: string): string[] {
    return dependencyNames(this.task(name));
  }

  leafTasks(): string[] {
    const isLeaf = new Map<string, boolean>();
    for (const t of this.tasks) {
      if (!isLeaf.has(t.name)) isLeaf.set(t.name, true);
      for (const d of this.deps(t.name)) isLeaf.set(d, false);
    }
    return [...isLeaf].filter(([, leaf]) => leaf).map(([n]) => n).sort();
  }
}

export function executeDAG(op: Operation, nodeName: string, tmpl: Template, boundaryID: string | undefined): NodeStatus {
  const { nodes } = op;
  const node = nodes.byName(nodeName) ?? nodes.init(nodeName, 'DAG', { templateName: tmpl.name, boundaryID, phase: 'Running' });
  if (nodeFulfilled(node.phase)) return node;
  const dag = new DagContext(op, nodeName, node.id, tmpl.dag!.tasks);
  const targets = tmpl.dag!.target ? tmpl.dag!.target.split(' ') : dag.leafTasks();
  for (const t of targets) executeTask(dag, t);
  const phase = assessPhase(dag, targets, tmpl.dag!.failFast ?? true);
  if (phase === 'Running') return node;
  node.outboundNodes = targets.flatMap((t) => {
    const n = dag.taskNode(t);
    return n ? nodes.outbound(n.id) : [];
  });
  return nodes.mark(nodeName, phase);
}

function executeTask(dag: DagContext, taskName: string): void {
  if (dag.visited.has(taskName)) return;
  dag.visited.add(taskName);
  const { op } = dag;
  const { nodes } = op;
  const existing = dag.taskNode(taskName);
  if (existing && nodeFulfilled(existing.phase)) return;
  const task = dag.task(taskName);
  const nodeName = dag.taskNodeName(taskName);
  const deps = dag.deps(taskName);
  let group = existing?.type === 'TaskGroup' ? existing : undefined;

  const connect = (childName: string) => {
    if (deps.length === 0 || group) {
      nodes.addChild(group ? group.name : dag.boundaryName, childName);
      return;
    }
    for (const d of deps) {
      const depNode = dag.taskNode(d);
      if (!depNode) continue;
      for (const out of nodes.outbound(depNode.id)) nodes.addChild(nodes.get(out)!.name, childName);
    }
  };

  const logic = resolvedDepends(task, dag.tasks);
  if (logic) {
    for (const d of deps) executeTask(dag, d);
    if (!existing) {
      const scope = new Map<string, TaskResults>();
      for (const d of deps) {
        const n = dag.taskNode(d);
        if (!n || !nodeFulfilled(n.phase)) return; // not ready yet
        let anySucceeded = false;
        let allFailed = false;
        if (n.type === 'TaskGroup') {
          const kids = (n.children ?? []).map((c) => nodes.get(c)!);
          allFailed = kids.length > 0 && kids.every((k) => k.phase === 'Failed');
          anySucceeded = kids.some((k) => k.phase === 'Succeeded');
        }
        scope.set(d, {
          Succeeded: n.phase === 'Succeeded', Failed: n.phase === 'Failed', Errored: n.phase === 'Error',
          Skipped: n.phase === 'Skipped', Daemoned: false, AnySucceeded: anySucceeded, AllFailed: allFailed,
        });
      }
      let execute: boolean;
      try {
        execute = evaluateDepends(logic, scope);
      } catch (err) {
        nodes.init(nodeName, 'Skipped', { templateName: task.template, boundaryID: dag.boundaryID, phase: 'Error', message: (err as Error).message });
        connect(nodeName);
        return;
      }
      if (!execute) {
        nodes.init(nodeName, 'Skipped', { templateName: task.template, boundaryID: dag.boundaryID, phase: 'Omitted', message: 'omitted: depends condition not met' });
        connect(nodeName);
        return;
      }
    }
  }

  const expanded = expandItems(task);
  if (task.withItems && !group) {
    if (expanded.length === 0) {
      nodes.init(nodeName, 'Skipped', { templateName: task.template, boundaryID: dag.boundaryID, phase: 'Skipped', message: 'Skipped, empty params' });
      connect(nodeName);
      return;
    }
    connect(nodeName);
    group = nodes.init(nodeName, 'TaskGroup', { templateName: task.template, boundaryID: dag.boundaryID, phase: 'Running', nodeFlag: true });
  }
  for (const t of expanded) {
    const childName = dag.taskNodeName(t.name);
    if (!nodes.byName(childName)) connect(childName);
    op.executeTemplate(childName, t.template, t.arguments, dag.boundaryID);
  }
  if (group) {
    let phase: NodePhase = 'Succeeded';
    for (const t of expanded) {
      const n = dag.taskNode(t.name);
      if (!n || !nodeFulfilled(n.phase)) return;
      if (failedOrError(n.phase)) phase = n.phase;
    }
    nodes.mark(group.name, phase);
  }
}

/** dag.go assessDAGPhase: breadth-first over the DAG's nodes; an omitted task inherits its branch's phase. */
function assessPhase(dag: DagContext, targets: string[], failFast: boolean): NodePhase {
  const { nodes } = dag.op;
  const targetPhases = new Map<string, NodePhase | ''>();
  for (const t of targets) targetPhases.set(nodes.byName(dag.taskNodeName(t))?.id ?? `missing:${t}`, '');
  const root = nodes.get(dag.boundaryID)!;
  const queue: { id: string; phase: NodePhase }[] = (root.children ?? []).map((id) => ({ id, phase: 'Succeeded' }));
  const seen = new Set<string>();
  while (queue.length) {
    const cur = queue.shift()!;
    const key = `${cur.id}/${cur.phase}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const node = nodes.get(cur.id);
    if (!node) continue;
    if (!nodeFulfilled(node.phase)) return 'Running';
    let branch = cur.phase;
    if (nodeCompleted(node.phase)) branch = node.phase;
    if (targetPhases.has(node.id)) {
      const prev = targetPhases.get(node.id)!;
      if (!(prev && failedOrError(prev))) targetPhases.set(node.id, branch);
    }
    for (const c of node.children ?? []) queue.push({ id: c, phase: branch });
  }
  let result: NodePhase = 'Succeeded';
  for (const t of targets) {
    const id = nodes.byName(dag.taskNodeName(t))?.id ?? `missing:${t}`;
    const branch = targetPhases.get(id) ?? '';
    if (branch === '') {
      result = 'Running';
      if (!failFast) break;
    } else if (failedOrError(branch)) {
      const co = dag.task(t).continueOn;
      if ((branch === 'Failed' && co?.failed) || (branch === 'Error' && co?.error)) continue;
      result = branch;
      if (failFast) break;
    }
  }
  return result;
}
