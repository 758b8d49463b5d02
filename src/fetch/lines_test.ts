import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LineParser, timestampSecond } from './lines.ts';

/** The general rule, line by line: first space within 40 bytes, a timestamp before it, else inherit. */
function reference(lines: Buffer[], startSec: number): { sec: number; time: string; text: string }[] {
  let prev = startSec;
  return lines.map((raw) => {
    const sp = raw.subarray(0, 40).indexOf(0x20);
    if (sp > 0) {
      const time = raw.subarray(0, sp).toString('latin1');
      const sec = timestampSecond(time);
      if (sec !== undefined) {
        prev = sec;
        return { sec, time, text: raw.subarray(sp + 1).toString('utf8') };
      }
    }
    return { sec: prev, time: '', text: raw.toString('utf8') };
  });
}

/** Parses `lines` as the reader does: the whole log in one buffer, split at newlines, one decode per chunk. */
function parsed(lines: Buffer[], startSec: number) {
  const all = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  const p = new LineParser(startSec);
  const src = LineParser.source(all);
  const out = [];
  let start = 0;
  for (let nl = all.indexOf(0x0a); nl >= 0; start = nl + 1, nl = all.indexOf(0x0a, start)) {
    const l = p.line(all, src, start, nl, nl - start + 1);
    assert.equal(l.size, Buffer.byteLength(l.text));
    assert.equal(l.rawBytes, nl - start + 1);
    out.push({ sec: l.sec, time: l.time, text: l.text });
  }
  return out;
}

describe('line parser', () => {
  const cases: Record<string, string[]> = {
    'same second, many lines': ['2026-01-02T03:04:05.000000001Z a', '2026-01-02T03:04:05.999999999Z b', '2026-01-02T03:04:06Z c'],
    'non-monotonic and across days': ['2026-01-02T23:59:59.5Z x', '2026-01-03T00:00:00.1Z y', '2026-01-02T23:59:59.9Z z'],
    'offsets and malformed prefixes inherit or parse like the general rule': [
      '2026-01-02T03:04:05+02:00 offset', 'no timestamp here', '2026-13-02T03:04:05Z bad month', '2026-01-02T03:04:05.Z empty fraction',
      '2026-01-02T03:04:05.1234567890Z ten digits', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z ', ' leading space', '',
    ],
    'non-ASCII content is decoded as UTF-8': ['2026-01-02T03:04:05.1Z héllo wörld ✓', '2026-01-02T03:04:05.2Z 训练 loss=0.1'],
  };
  for (const [name, lines] of Object.entries(cases)) {
    test(name, () => {
      const bufs = lines.map((l) => Buffer.from(l));
      assert.deepEqual(parsed(bufs, 7), reference(bufs, 7));
    });
  }

  test('the cached second is not reused when only the zone differs', () => {
    const bufs = ['2026-01-02T03:04:05Z a', '2026-01-02T03:04:05+01:00 b', '2026-01-02T03:04:05.5Z c'].map((l) => Buffer.from(l));
    const got = parsed(bufs, 0);
    assert.deepEqual(got.map((l) => l.sec), [1767323045, 1767319445, 1767323045]);
  });
});
