import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExecutorExitLine, isExecutorLine } from './executor.ts';

test('isExecutorLine: Argo\'s emissary lines (slog text and JSON, argo=true anywhere after msg)', () => {
  for (const l of [
    'time=2026-12-02T04:30:01.123Z level=INFO msg="sub-process exited" argo=true error=<nil>',
    'time=2026-12-02T04:30:01.123Z level=INFO msg="sub-process exited" error="exit status 1" argo=true',
    'time=2026-12-02T04:30:01Z level=WARN msg=x argo=true',
    '{"time":"2026-12-02T04:30:01.123Z","level":"INFO","msg":"sub-process exited","argo":true,"error":null}',
  ]) assert.equal(isExecutorLine(l), true, l);
});

test('isExecutorLine: a step\'s own lines are never taken for the executor\'s', () => {
  for (const l of [
    '',
    'argo=true',
    'time=2026-12-02T04:30:01Z level=INFO msg="x" argo=truer',
    'time=2026-12-02T04:30:01Z level=INFO msg="x" argo=false',
    'time=yesterday level=INFO msg="x" argo=true',
    'time=2026-12-02T04:30:01Z level=NOTICE msg="x" argo=true',
    ' time=2026-12-02T04:30:01Z level=INFO msg="x" argo=true',
    'Error: exit status 1',
    '{"time":"2026-12-02T04:30:01Z","level":"INFO","msg":"x","argo":false}',
    '2026/12/02 04:30:01 SQLFlow Step Execute:',
  ]) assert.equal(isExecutorLine(l), false, l);
});

test('isExecutorExitLine: cobra\'s line after a non-zero exit, nothing else', () => {
  assert.equal(isExecutorExitLine('Error: exit status 1'), true);
  assert.equal(isExecutorExitLine('Error: exit status 137'), true);
  for (const l of ['Error: exit status', 'Error: exit status 1 (x)', 'error: exit status 1', ' Error: exit status 1', 'exit status 1']) assert.equal(isExecutorExitLine(l), false, l);
});
