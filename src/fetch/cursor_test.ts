import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { START_CURSOR, type LogCursor } from '../api/token.ts';
import { CursorTracker, parseLine, sinceTimeParam, timestampSecond } from './cursor.ts';

// A model kubelet: records (ns timestamp, text); answer(S) = records with ts >= S, in log order.
interface Rec { ns: bigint; text: string }
const sec = (ns: bigint) => Number(ns / 1_000_000_000n);

/** One stateless read: skip k lines of answer(S), deliver up to m, return the new canonical cursor. */
function readOnce(log: readonly Rec[], c: LogCursor, m: number): { got: string[]; next: LogCursor } {
  const answer = log.filter((r) => c.sec === 0 || sec(r.ns) >= c.sec);
  const t = new CursorTracker(c);
  const got: string[] = [];
  answer.slice(0, c.k).forEach((r) => t.consume(sec(r.ns), r.text.length + 32));
  for (const r of answer.slice(c.k, c.k + m)) {
    t.consume(sec(r.ns), r.text.length + 32);
    got.push(r.text);
  }
  return { got, next: t.cursor() };
}

function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('cursor', () => {
  test('timestamps parse to whole seconds; sinceTime has no fraction', () => {
    assert.equal(timestampSecond('2026-01-02T03:04:05.123456789Z'), Date.UTC(2026, 0, 2, 3, 4, 5) / 1000);
    assert.equal(timestampSecond('nope'), undefined);
    assert.equal(sinceTimeParam(Date.UTC(2026, 0, 2, 3, 4, 5) / 1000), '2026-01-02T03:04:05Z');
  });

  test('unparsable prefix inherits the previous second and keeps the whole line', () => {
    const l = parseLine(Buffer.from('garbage line'), 42, 13);
    assert.equal(l.sec, 42);
    assert.equal(l.text.toString(), 'garbage line');
    const ok = parseLine(Buffer.from('2026-01-02T03:04:05.000000001Z hi there'), 0, 40);
    assert.equal(ok.text.toString(), 'hi there');
    assert.equal(ok.time, '2026-01-02T03:04:05.000000001Z');
  });

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    test(`exactly once over equal, bursty and non-monotonic timestamps (seed ${seed})`, () => {
      const r = rng(seed);
      const log: Rec[] = [];
      let t = 1_700_000_000_000_000_000n;
      for (let i = 0; i < 3000; i++) {
        const roll = r();
        if (roll < 0.5) { /* same nanosecond: a burst */ } else if (roll < 0.9) t += BigInt(Math.floor(r() * 3e8));
        else if (roll < 0.95) t += 2_000_000_000n;
        const jitter = r() < 0.03 ? -BigInt(Math.floor(r() * (r() < 0.5 ? 1e9 : 4e9))) : 0n; // a line stamped in the past
        log.push({ ns: t + jitter, text: `line ${i}` });
      }
      // Deliver while the log grows: the reader sees a prefix of the log each time.
      const out: string[] = [];
      let c: LogCursor = START_CURSOR;
      let visible = 0;
      for (;;) {
        visible = Math.min(log.length, visible + Math.floor(r() * 200));
        const { got, next } = readOnce(log.slice(0, visible), c, 1 + Math.floor(r() * 50));
        out.push(...got);
        c = next;
        if (visible === log.length && got.length === 0) break;
      }
      // sinceTime filters by each line's own stamp: with the 1 s margin only a line stamped more than a second
      // before an already delivered line can be filtered out of later answers.
      const expected = log.map((l) => l.text);
      const missing = expected.filter((x) => !out.includes(x));
      assert.equal(new Set(out).size, out.length, 'no duplicates');
      for (const m of missing) {
        const i = Number(m.split(' ')[1]);
        assert.ok(log.slice(0, i).some((p) => sec(p.ns) - 1 > sec(log[i]!.ns)), `${m} was not out of order by more than 1 s but is missing`);
      }
      assert.deepEqual(out, expected.filter((x) => out.includes(x)), 'in order');
    });
  }

  test('skew under one second across a second boundary loses nothing', () => {
    const base = 1_700_000_000_000_000_000n;
    const log: Rec[] = [
      { ns: base + 999_000_000n, text: 'a' },
      { ns: base + 1_000_000_001n, text: 'b' }, // stdout, next second
      { ns: base + 999_999_999n, text: 'c' }, // stderr, written after b, stamped before it
      { ns: base + 1_000_000_002n, text: 'd' },
    ];
    let c: LogCursor = START_CURSOR;
    const out: string[] = [];
    for (let visible = 1; visible <= log.length; visible++) {
      const { got, next } = readOnce(log.slice(0, visible), c, 10);
      out.push(...got);
      c = next;
    }
    assert.deepEqual(out, ['a', 'b', 'c', 'd']);
  });

  test('monotonic timestamps: nothing lost, nothing duplicated', () => {
    const r = rng(99);
    const log: Rec[] = [];
    let t = 1_700_000_000_000_000_000n;
    for (let i = 0; i < 5000; i++) {
      if (r() < 0.3) t += BigInt(Math.floor(r() * 1.5e9));
      log.push({ ns: t, text: `n${i}` });
    }
    const out: string[] = [];
    let c: LogCursor = START_CURSOR;
    let visible = 0;
    for (let guard = 0; out.length < log.length; guard++) {
      assert.ok(guard < 100_000, 'no progress');
      visible = Math.min(log.length, visible + Math.floor(r() * 100));
      const { got, next } = readOnce(log.slice(0, visible), c, 1 + Math.floor(r() * 30));
      out.push(...got);
      c = next;
    }
    assert.deepEqual(out, log.map((l) => l.text));
  });
});
