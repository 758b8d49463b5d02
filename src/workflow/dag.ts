// The schedule of a program: statement j waits for i < j when they conflict — j reads what i
// writes, or j writes what i reads or writes, or either is a barrier — so every pair whose order
// could change a result keeps the program's order, and any other pair may run at once. Only the
// transitive reduction becomes Argo `depends`: an edge implied by a path adds nothing. Pure.

import { refName, sameObject, type Effects, type ObjectRef } from '../sql/effects.ts';

/** Why j must wait for i. */
export interface Conflict {
  readonly kind: 'read-after-write' | 'write-after-read' | 'write-after-write' | 'barrier';
  /** The object both touch (`db.name`), or the barrier's reason. */
  readonly what: string;
}

/** Why statement j must run after statement i (i < j); empty when they do not conflict. */
export function conflicts(earlier: Effects, later: Effects): Conflict[] {
  if (earlier.barrier !== undefined) return [{ kind: 'barrier', what: earlier.barrier }];
  if (later.barrier !== undefined) return [{ kind: 'barrier', what: later.barrier }];
  const out: Conflict[] = [];
  const add = (kind: Conflict['kind'], a: readonly ObjectRef[], b: readonly ObjectRef[]) => {
    for (const x of a) {
      for (const y of b) {
        if (!sameObject(x, y)) continue;
        const what = refName(x.db === undefined ? y : x);
        if (!out.some((c) => c.kind === kind && c.what === what)) out.push({ kind, what });
      }
    }
  };
  add('read-after-write', earlier.writes, later.reads);
  add('write-after-write', earlier.writes, later.writes);
  add('write-after-read', earlier.reads, later.writes);
  return out;
}

export interface Schedule {
  /** For each statement, the earlier statements it waits for directly (transitive reduction), ascending. */
  readonly depends: readonly (readonly number[])[];
  /** For each statement, every earlier statement it conflicts with, with the reasons. */
  readonly conflicts: readonly ReadonlyMap<number, readonly Conflict[]>[];
}

/** O(n²) pairs, with bit sets for the reduction, so a program of thousands of statements stays fast. */
export function schedule(effects: readonly Effects[]): Schedule {
  const n = effects.length;
  const words = Math.ceil(n / 32);
  // reach[j]: bit set of every i that j transitively waits for.
  const reach: Uint32Array[] = [];
  const depends: number[][] = [];
  const all: Map<number, Conflict[]>[] = [];
  for (let j = 0; j < n; j++) {
    const direct = new Map<number, Conflict[]>();
    for (let i = 0; i < j; i++) {
      const c = conflicts(effects[i]!, effects[j]!);
      if (c.length > 0) direct.set(i, c);
    }
    const r = new Uint32Array(words);
    const keep: number[] = [];
    // Latest first: an earlier conflict already reached through a later one is implied.
    for (const i of [...direct.keys()].sort((a, b) => b - a)) {
      if ((r[i >>> 5]! >>> (i & 31)) & 1) continue;
      keep.push(i);
      r[i >>> 5]! |= 1 << (i & 31);
      const ri = reach[i]!;
      for (let w = 0; w < words; w++) r[w]! |= ri[w]!;
    }
    reach.push(r);
    depends.push(keep.sort((a, b) => a - b));
    all.push(direct);
  }
  return { depends, conflicts: all };
}
