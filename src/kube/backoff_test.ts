import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expBackoff, jitter, sleep } from './backoff.ts';
import { formatMicroTime, nowMicros, parseMicroTime } from './time.ts';

test('expBackoff doubles from base and caps', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 10].map((a) => expBackoff(a, 5, 1000)),
    [5, 10, 20, 40, 1000],
  );
  assert.equal(expBackoff(5000, 5, 1_000_000), 1_000_000, 'huge attempt counts do not overflow');
  assert.equal(expBackoff(-1, 5, 3), 3);
});

test('jitter only lengthens, by at most factor', () => {
  assert.equal(jitter(100, 0.2, () => 0), 100);
  assert.equal(jitter(100, 0.2, () => 1), 120);
  assert.equal(jitter(100, 0), 100);
  for (let i = 0; i < 100; i++) {
    const v = jitter(1000);
    assert.ok(v >= 1000 && v <= 1200);
  }
});

test('sleep ends early on abort', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  setTimeout(() => ac.abort(), 10);
  await sleep(5000, ac.signal);
  assert.ok(Date.now() - t0 < 1000);
});

test('formatMicroTime emits six fractional digits in UTC', () => {
  const micros = Date.UTC(2026, 10, 27, 10, 0, 0, 123) * 1000 + 456;
  assert.equal(formatMicroTime(micros), '2026-11-27T10:00:00.123456Z');
  assert.equal(formatMicroTime(new Date(Date.UTC(2026, 0, 1))), '2026-01-01T00:00:00.000000Z');
  assert.match(formatMicroTime(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('parseMicroTime round-trips and tolerates other RFC 3339 shapes', () => {
  const m = nowMicros();
  assert.equal(parseMicroTime(formatMicroTime(m)), m);
  assert.equal(parseMicroTime('2026-11-27T10:00:00Z'), Date.UTC(2026, 10, 27, 10) * 1000);
  assert.equal(parseMicroTime('2026-11-27T10:00:00.5Z'), Date.UTC(2026, 10, 27, 10) * 1000 + 500_000);
  assert.equal(parseMicroTime('2026-11-27T12:00:00.000001+02:00'), Date.UTC(2026, 10, 27, 10) * 1000 + 1);
  assert.equal(parseMicroTime(new Date(Date.UTC(2026, 0, 1))), Date.UTC(2026, 0, 1) * 1000);
  assert.equal(parseMicroTime('yesterday'), undefined);
  assert.equal(parseMicroTime(undefined), undefined);
});
