import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepIndexFromName, stepName } from './steps.ts';

describe('step names', () => {
  it('round-trip between statement index and step name', () => {
    for (const i of [0, 1, 9, 10, 9999]) assert.equal(stepIndexFromName(stepName(i)), i);
    assert.equal(stepName(0), 'step-1');
  });

  it('refuse what is not a step name', () => {
    for (const name of ['step-0', 'step-01', 'step-', 'step-1x', 'Step-1', 'sqlflow', 'step-99999999999999999999']) {
      assert.equal(stepIndexFromName(name), undefined, name);
    }
    assert.throws(() => stepName(-1), RangeError);
    assert.throws(() => stepName(1.5), RangeError);
  });
});
