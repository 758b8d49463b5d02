import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimestamp, LogStore, nowNanos, parseTimestamp } from './logstore.ts';

test('nowNanos never goes backwards, resolves below a millisecond and stays on the wall clock', () => {
  let prev = nowNanos();
  const values = new Set<bigint>();
  const millis = new Set<number>();
  const until = Date.now() + 50; // crosses many of Date's milliseconds, where the old clock stepped back
  for (let i = 0; i < 20_000 || Date.now() < until; i++) {
    const t = nowNanos();
    assert.ok(t >= prev, `nowNanos went back from ${prev} to ${t}`);
    values.add(t);
    millis.add(Number(t / 1_000_000n));
    prev = t;
  }
  assert.ok(values.size > millis.size, `${values.size} distinct stamps in ${millis.size} milliseconds: no sub-millisecond resolution`);
  const drift = Number(nowNanos() / 1_000_000n) - Date.now();
  assert.ok(Math.abs(drift) <= 5, `nowNanos is ${drift} ms off the wall clock`);
});

test('appended lines carry non-decreasing timestamps that round-trip through the kubelet format', () => {
  const store = new LogStore();
  for (let i = 0; i < 20_000; i++) store.append('ns', 'pod', 'main', `line ${i}\n`);
  const records = store.get('ns', 'pod', 'main')!.records;
  assert.equal(records.length, 20_000);
  for (let i = 1; i < records.length; i++) assert.ok(records[i]!.time >= records[i - 1]!.time, `record ${i} is stamped before record ${i - 1}`);
  for (const r of [records[0]!, records.at(-1)!]) assert.equal(parseTimestamp(formatTimestamp(r.time)), r.time);
});
