// Fuzz: the timestamp prefix reader. Any bytes a kubelet (or anything between) sends give a line, never an exception,
// and the fast path (cached second) always agrees with the general one (timestampSecond).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CursorTracker, sinceTimeParam } from './cursor.ts';
import { LineParser, parseLine, timestampSecond } from './lines.ts';

const digit = fc.integer({ min: 0, max: 9 }).map(String);
const two = fc.tuple(digit, digit).map(([a, b]) => a + b);
const stamp = fc
  .tuple(fc.tuple(digit, digit, digit, digit).map((d) => d.join('')), two, two, two, two, two, fc.string({ unit: digit, maxLength: 11 }), fc.constantFrom('Z', '+01:00', '-00:30', 'z', ''))
  .map(([y, mo, d, h, mi, s, frac, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${frac}` : ''}${zone}`);
const realStamp = fc.date({ min: new Date(0), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}123456Z`));
const content = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replaceAll('\n', ' '));
const line = fc.oneof(
  fc.tuple(fc.oneof(stamp, realStamp, realStamp), content).map(([t, c]) => `${t} ${c}`),
  content,
  fc.tuple(fc.oneof(stamp, realStamp), fc.constantFrom('', ' ', '\t')).map(([t, s]) => t + s),
);

describe('fuzz: log line prefixes', () => {
  it('a parser fed many lines agrees with a fresh parse of each, and never throws', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.nat(4_102_444_800), (lines, start) => {
        const body = Buffer.from(lines.join('\n'), 'utf8');
        const src = LineParser.source(body);
        const p = new LineParser(start);
        let from = 0;
        let prev = start;
        for (const l of lines) {
          const raw = Buffer.from(l, 'utf8');
          const got = p.line(body, src, from, from + raw.length, raw.length + 1);
          const fresh = parseLine(raw, prev, raw.length + 1);
          assert.equal(got.sec, fresh.sec);
          assert.equal(got.text, fresh.text);
          assert.equal(got.time, fresh.time);
          if (got.time !== '') assert.equal(got.sec, timestampSecond(got.time));
          prev = got.sec;
          from += raw.length + 1;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a cursor over parsed lines is one sinceTime can carry', () => {
    fc.assert(
      fc.property(fc.array(realStamp, { minLength: 1, maxLength: 20 }), fc.nat(4_102_444_800), (stamps, start) => {
        const t = new CursorTracker({ sec: Math.min(start, timestampSecond(stamps[0]!)!), k: 0, bytes: 0 });
        for (const s of stamps) t.consume(parseLine(Buffer.from(`${s} x`), 0, 10).sec, 10);
        const c = t.cursor();
        sinceTimeParam(c.sec);
        assert.ok(c.k >= 1 && c.k <= stamps.length);
      }),
      { numRuns: 2000 },
    );
  });
});
