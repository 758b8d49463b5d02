// The dependency graph of a program as text or Graphviz DOT, for `sqlflow translate --graph`:
// what each statement reads and writes, and why each edge of the DAG exists.

import type { ParsedStatement } from '../sql/ast.ts';
import { programEffects, refName } from '../sql/effects.ts';
import { schedule, type Conflict } from './dag.ts';
import { stepName } from './steps.ts';

export type GraphFormat = 'text' | 'dot';

function because(c: Conflict, from: string): string {
  switch (c.kind) {
    case 'barrier':
      return `barrier: ${c.what}`;
    case 'read-after-write':
      return `reads ${c.what}, written by ${from}`;
    case 'write-after-read':
      return `writes ${c.what}, read by ${from}`;
    case 'write-after-write':
      return `writes ${c.what}, also written by ${from}`;
  }
}

function excerpt(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

export function formatGraph(statements: readonly ParsedStatement[], format: GraphFormat): string {
  const effects = programEffects(statements);
  const s = schedule(effects);
  const lines: string[] = [];
  if (format === 'dot') {
    lines.push('digraph sqlflow {', '  rankdir=TB;', '  node [shape=box];');
    statements.forEach((st, j) => {
      lines.push(`  "${stepName(j)}" [label=${JSON.stringify(`${stepName(j)}: ${excerpt(st.text)}`)}${effects[j]!.barrier !== undefined ? ', style=bold' : ''}];`);
    });
    s.depends.forEach((deps, j) => {
      for (const i of deps) {
        const why = s.conflicts[j]!.get(i)!.map((c) => because(c, stepName(i))).join('; ');
        lines.push(`  "${stepName(i)}" -> "${stepName(j)}" [label=${JSON.stringify(why)}];`);
      }
    });
    lines.push('}');
    return `${lines.join('\n')}\n`;
  }
  statements.forEach((st, j) => {
    const e = effects[j]!;
    lines.push(`${stepName(j)}: ${excerpt(st.text)}`);
    if (e.barrier !== undefined) lines.push(`  barrier: ${e.barrier}`);
    else lines.push(`  reads: ${e.reads.map(refName).join(', ') || '-'}; writes: ${e.writes.map(refName).join(', ') || '-'}`);
    const deps = s.depends[j]!;
    if (deps.length === 0) lines.push('  runs at once (waits for nothing)');
    for (const i of deps) lines.push(`  after ${stepName(i)}: ${s.conflicts[j]!.get(i)!.map((c) => because(c, stepName(i))).join('; ')}`);
    const implied = [...s.conflicts[j]!.keys()].filter((i) => !deps.includes(i));
    if (implied.length > 0) lines.push(`  (also after ${implied.map(stepName).join(', ')}, implied by the above)`);
  });
  return `${lines.join('\n')}\n`;
}
