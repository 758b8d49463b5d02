// The node map of one workflow operation: creating nodes as Argo's initializeNode does, linking
// children, outbound nodes and progress (workflow/controller/operator.go, workflow/progress).
import { displayName, nodeId } from './names.ts';
import { nodeCompleted, nodeFulfilled, type NodePhase, type NodeStatus, type NodeType, type Parameter } from './types.ts';

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Nodes {
  constructor(
    readonly wfName: string,
    readonly map: Record<string, NodeStatus>,
    private readonly now: () => Date,
  ) {}

  byName(name: string): NodeStatus | undefined {
    return this.map[nodeId(this.wfName, name)];
  }

  get(id: string): NodeStatus | undefined {
    return this.map[id];
  }

  init(
    name: string,
    type: NodeType,
    opts: { templateName?: string; boundaryID?: string; phase: NodePhase; message?: string; inputs?: Parameter[]; nodeFlag?: boolean },
  ): NodeStatus {
    const id = nodeId(this.wfName, name);
    if (this.map[id]) throw new Error(`node ${name} already initialized`);
    const boundary = opts.boundaryID ? this.map[opts.boundaryID] : undefined;
    const node: NodeStatus = {
      id,
      name,
      displayName: displayName(name, boundary?.name),
      type,
      templateScope: `local/${this.wfName}`,
      phase: opts.phase,
      startedAt: rfc3339(this.now()),
    };
    if (opts.templateName) node.templateName = opts.templateName;
    if (opts.boundaryID) node.boundaryID = opts.boundaryID;
    if (opts.nodeFlag) node.nodeFlag = {};
    if (opts.inputs?.length) node.inputs = { parameters: opts.inputs };
    if (opts.message) node.message = opts.message;
    if (nodeFulfilled(node.phase)) node.finishedAt = node.startedAt;
    this.map[id] = node;
    return node;
  }

  /** Sets phase (and message when given); a fulfilled node gets its finishedAt. */
  mark(name: string, phase: NodePhase, message?: string): NodeStatus {
    const node = this.byName(name);
    if (!node) throw new Error(`node ${name} uninitialized`);
    node.phase = phase;
    if (message !== undefined) node.message = message;
    if (nodeFulfilled(phase) && !node.finishedAt) node.finishedAt = rfc3339(this.now());
    return node;
  }

  addChild(parentName: string, childName: string): void {
    const parent = this.byName(parentName);
    if (!parent) throw new Error(`parent node ${parentName} uninitialized`);
    const childId = nodeId(this.wfName, childName);
    parent.children ??= [];
    if (!parent.children.includes(childId)) parent.children.push(childId);
  }

  /** The leaf nodes a following node hangs from (operator.go getOutboundNodes). */
  outbound(id: string): string[] {
    const node = this.map[id];
    if (!node) return [];
    switch (node.type) {
      case 'Pod':
      case 'Skipped':
        return [id];
      case 'TaskGroup':
      case 'StepGroup':
        if (!node.children?.length) return [id];
        return node.children.flatMap((c) => this.outbound(c));
      default:
        return (node.outboundNodes ?? []).flatMap((o) => this.outbound(o));
    }
  }

  /** Progress "done/total": a pod counts 1 and is done when Succeeded/Skipped/Omitted; others sum their descendants. */
  updateProgress(): string {
    const own = (n: NodeStatus): [number, number] =>
      n.type === 'Pod' ? [n.phase === 'Succeeded' || n.phase === 'Skipped' || n.phase === 'Omitted' ? 1 : 0, 1] : [0, 0];
    const sum = (n: NodeStatus, seen: Set<string>): [number, number] => {
      let [d, t] = [0, 0];
      for (const c of n.children ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        const child = this.map[c];
        if (!child) continue;
        const [od, ot] = own(child);
        const [sd, st] = sum(child, seen);
        d += od + sd;
        t += ot + st;
      }
      return [d, t];
    };
    let [wd, wt] = [0, 0];
    for (const n of Object.values(this.map)) {
      if (n.type === 'Pod') {
        const [d, t] = own(n);
        n.progress = `${d}/${t}`;
        wd += d;
        wt += t;
      } else {
        const [d, t] = sum(n, new Set());
        n.progress = `${d}/${t}`;
      }
    }
    return `${wd}/${wt}`;
  }
}

export { nodeCompleted, nodeFulfilled };
