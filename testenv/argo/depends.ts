// DAG task dependencies as Argo resolves them (workflow/common/ancestry.go, workflow/controller/dag.go):
// `dependencies: [A, B]` is `A && B`; a bare task name in `depends` means
// `(A.Succeeded || A.Skipped || A.Daemoned)` plus `|| A.Failed` / `|| A.Errored` when the task has
// continueOn failed / error. The expression is evaluated with each dependency's results.

export interface TaskResults {
  Succeeded: boolean;
  Failed: boolean;
  Errored: boolean;
  Skipped: boolean;
  Daemoned: boolean;
  AnySucceeded: boolean;
  AllFailed: boolean;
}

const RESULTS = new Set(['Succeeded', 'Failed', 'Errored', 'Skipped', 'Daemoned', 'AnySucceeded', 'AllFailed']);

export interface DependsTask {
  name: string;
  dependencies?: string[];
  depends?: string;
  continueOn?: { failed?: boolean; error?: boolean };
}

type Token = { kind: 'ref'; task: string; result?: string } | { kind: 'op'; op: '&&' | '||' | '!' | '(' | ')' };

export function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (expr.startsWith('&&', i) || expr.startsWith('||', i)) {
      out.push({ kind: 'op', op: expr.slice(i, i + 2) as '&&' | '||' });
      i += 2;
      continue;
    }
    if (c === '!' || c === '(' || c === ')') {
      out.push({ kind: 'op', op: c });
      i++;
      continue;
    }
    const m = /^([\w-]+)(\.(\w+))?/.exec(expr.slice(i));
    if (!m) throw new Error(`unexpected '${c}' at ${i} in depends '${expr}'`);
    out.push(m[3] === undefined ? { kind: 'ref', task: m[1]! } : { kind: 'ref', task: m[1]!, result: m[3] });
    i += m[0].length;
  }
  return out;
}

/** Task names the expression refers to, in order of first mention. */
export function dependencyNames(task: DependsTask): string[] {
  if (task.depends) {
    const seen: string[] = [];
    for (const t of tokenize(task.depends)) if (t.kind === 'ref' && !seen.includes(t.task)) seen.push(t.task);
    return seen;
  }
  return [...new Set(task.dependencies ?? [])];
}

/** The `depends` logic with every bare task name expanded, as Argo's GetTaskDependencies returns it. */
export function resolvedDepends(task: DependsTask, tasks: readonly DependsTask[]): string {
  const expr = task.depends ?? (task.dependencies ?? []).join(' && ');
  if (!expr.trim()) return '';
  return tokenize(expr)
    .map((t) => {
      if (t.kind === 'op') return t.op;
      if (t.result !== undefined) return `${t.task}.${t.result}`;
      const dep = tasks.find((x) => x.name === t.task);
      const parts = ['Succeeded', 'Skipped', 'Daemoned'];
      if (dep?.continueOn?.failed) parts.push('Failed');
      if (dep?.continueOn?.error) parts.push('Errored');
      return `(${parts.map((p) => `${t.task}.${p}`).join(' || ')})`;
    })
    .join(' ');
}

/** Evaluates a resolved depends expression; `!` binds tighter than `&&`, which binds tighter than `||`. */
export function evaluateDepends(expr: string, scope: ReadonlyMap<string, TaskResults>): boolean {
  const toks = tokenize(expr);
  let pos = 0;
  const peek = () => toks[pos];
  const isOp = (op: string) => {
    const t = peek();
    return t?.kind === 'op' && t.op === op;
  };
  const primary = (): boolean => {
    const t = toks[pos++];
    if (!t) throw new Error(`unexpected end of depends '${expr}'`);
    if (t.kind === 'op') {
      if (t.op === '!') return !primary();
      if (t.op === '(') {
        const v = or();
        if (!isOp(')')) throw new Error(`missing ')' in depends '${expr}'`);
        pos++;
        return v;
      }
      throw new Error(`unexpected '${t.op}' in depends '${expr}'`);
    }
    if (t.result === undefined || !RESULTS.has(t.result)) {
      throw new Error(`invalid result '${t.result ?? ''}' for task '${t.task}' in depends '${expr}'`);
    }
    const r = scope.get(t.task);
    if (!r) throw new Error(`task '${t.task}' in depends '${expr}' has no result`);
    return r[t.result as keyof TaskResults];
  };
  const and = (): boolean => {
    let v = primary();
    while (isOp('&&')) {
      pos++;
      const w = primary();
      v = v && w;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (isOp('||')) {
      pos++;
      const w = and();
      v = v || w;
    }
    return v;
  };
  const v = or();
  if (pos !== toks.length) throw new Error(`unexpected trailing tokens in depends '${expr}'`);
  return v;
}
