import type { BinaryOp, Expr } from './ast.ts';
import { CLAUSE_KEYWORDS, type TokenStream } from './tokens.ts';

// Expressions of attribute values, COLUMN items, objectives and constraints, by precedence:
// OR < AND < NOT < comparison < + - < * / % < unary - + < primary.

/** Deep enough for any real program; stops hostile input from overflowing the JS stack. */
const MAX_DEPTH = 200;

const COMPARISONS: ReadonlySet<string> = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>=']);

export function parseExpr(s: TokenStream): Expr {
  return new ExprParser(s).expr();
}

class ExprParser {
  private depth = 0;
  constructor(private readonly s: TokenStream) {}

  expr(): Expr {
    return this.or();
  }

  private or(): Expr {
    return this.binaryLevel(() => this.and(), () => (this.s.isWord('OR') ? 'OR' : undefined));
  }

  private and(): Expr {
    return this.binaryLevel(() => this.not(), () => (this.s.isWord('AND') ? 'AND' : undefined));
  }

  private not(): Expr {
    const first = this.s.peek();
    if (first !== undefined && this.s.acceptWord('NOT')) {
      const operand = this.nested(() => this.not());
      return { kind: 'unary', op: 'NOT', operand, text: this.s.textFrom(first) };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    return this.binaryLevel(
      () => this.additive(),
      () => {
        const t = this.s.peek();
        return t?.kind === 'punct' && COMPARISONS.has(t.value) ? (t.value as BinaryOp) : undefined;
      },
    );
  }

  private additive(): Expr {
    return this.binaryLevel(() => this.multiplicative(), () => this.punctOp(['+', '-']));
  }

  private multiplicative(): Expr {
    return this.binaryLevel(() => this.unary(), () => this.punctOp(['*', '/', '%']));
  }

  private unary(): Expr {
    const first = this.s.peek();
    if (first?.kind === 'punct' && (first.value === '-' || first.value === '+')) {
      this.s.next();
      const operand = this.nested(() => this.unary());
      const text = this.s.textFrom(first);
      // A signed number literal is a number, so `learning_rate = -0.1` reads as a number.
      if (operand.kind === 'number') {
        return { kind: 'number', value: first.value === '-' ? -operand.value : operand.value, text };
      }
      return { kind: 'unary', op: first.value, operand, text };
    }
    return this.primary();
  }

  private primary(): Expr {
    const s = this.s;
    const t = s.peek();
    if (t === undefined) throw s.errorAtEnd('expected a value, found end of statement');
    if (t.kind === 'number') {
      s.next();
      return { kind: 'number', value: Number(t.value), text: t.value };
    }
    if (t.kind === 'string') {
      s.next();
      return { kind: 'string', value: t.value, text: s.textFrom(t) };
    }
    if (t.kind === 'punct' && t.value === '[') {
      s.next();
      const items = s.isPunct(']') ? [] : this.list(() => this.nested(() => this.expr()));
      s.expectPunct(']', 'to close the list');
      return { kind: 'list', items, text: s.textFrom(t) };
    }
    if (t.kind === 'punct' && t.value === '(') {
      s.next();
      const inner = this.nested(() => this.expr());
      s.expectPunct(')', 'to close the parenthesis');
      return inner;
    }
    if (t.kind === 'word' || t.kind === 'quoted') {
      const upper = t.value.toUpperCase();
      if (t.kind === 'word' && (upper === 'TRUE' || upper === 'FALSE')) {
        s.next();
        return { kind: 'boolean', value: upper === 'TRUE', text: t.value };
      }
      if (t.kind === 'word' && (CLAUSE_KEYWORDS.has(upper) || upper === 'AND' || upper === 'OR' || upper === 'NOT')) {
        throw s.errorHere(`expected a value, found keyword ${upper}`);
      }
      s.next();
      if (s.acceptPunct('(')) {
        const args = s.isPunct(')') ? [] : this.list(() => this.nested(() => this.expr()));
        s.expectPunct(')', `to close the arguments of ${t.value}`);
        return { kind: 'call', callee: t.value, args, text: s.textFrom(t) };
      }
      return { kind: 'identifier', name: t.value, text: s.textFrom(t) };
    }
    throw s.errorHere(`expected a value, found ${s.describeNext()}`);
  }

  private list(item: () => Expr): Expr[] {
    const items = [item()];
    while (this.s.acceptPunct(',')) items.push(item());
    return items;
  }

  private nested(parse: () => Expr): Expr {
    if (++this.depth > MAX_DEPTH) throw this.s.errorHere(`expression nested more than ${MAX_DEPTH} levels deep`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private punctOp(ops: readonly string[]): BinaryOp | undefined {
    const t = this.s.peek();
    return t?.kind === 'punct' && ops.includes(t.value) ? (t.value as BinaryOp) : undefined;
  }

  private binaryLevel(operand: () => Expr, operator: () => BinaryOp | undefined): Expr {
    const first = this.s.peek();
    let left = operand();
    for (let op = operator(); op !== undefined && first !== undefined; op = operator()) {
      this.s.next();
      const right = operand();
      left = { kind: 'binary', op, left, right, text: this.s.textFrom(first) };
    }
    return left;
  }
}
