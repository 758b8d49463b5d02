// Fuzz: the SQLFlow job id, step state and fetch key check read what a 0.15.0 client sends back. Anything it sends
// gives a value or a SQLFlowIdError that says to send it back unchanged, never another exception.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeState, encodeState, fetchKeyMatches, formatJobId, hashFetchKey, newFetchKey, parseJobId, SQLFlowIdError, type StepState } from './sqlflow_ids.ts';

function onlyOwnErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof SQLFlowIdError)) throw e;
  }
}

const text = fc.string({ unit: 'binary', maxLength: 120 });
const b64 = (v: unknown) => `s1.${Buffer.from(JSON.stringify(v), 'utf8').toString('base64url')}`;

describe('fuzz: parseJobId', () => {
  it('arbitrary strings and ids with one part replaced give a JobId or a SQLFlowIdError', () => {
    const part = fc.oneof(text, fc.stringMatching(/^[a-z0-9-]{1,70}$/), fc.stringMatching(/^[A-Za-z0-9_-]{30,34}$/));
    fc.assert(fc.property(text, (s) => onlyOwnErrors(() => parseJobId(s))), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), (parts) => {
        let id;
        try {
          id = parseJobId(parts.join('/'));
        } catch (e) {
          if (!(e instanceof SQLFlowIdError)) throw e;
          assert.ok(e.message.length < 400, 'the message quotes a bounded excerpt');
          return;
        }
        assert.equal(formatJobId(id), parts.join('/'));
      }),
      { numRuns: 3000 },
    );
  });

  it('given ids round-trip', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/), fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,40}[a-z0-9])?$/), (namespace, name) => {
        const id = { namespace, name, key: newFetchKey() };
        assert.deepEqual(parseJobId(formatJobId(id)), id);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fuzz: decodeState', () => {
  const state = fc.record({ announced: fc.integer({ min: -1, max: 1000 }), phase: fc.string({ maxLength: 20 }), last: fc.string({ maxLength: 3000 }), failure: fc.string({ maxLength: 3000 }) });

  it('arbitrary strings and encoded JSON give a state or a SQLFlowIdError', () => {
    fc.assert(fc.property(fc.oneof(text, text.map((s) => `s1.${s}`)), (s) => onlyOwnErrors(() => decodeState(s))), { numRuns: 3000 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => onlyOwnErrors(() => decodeState(b64(v)))), { numRuns: 2000 });
    const edge = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-2, -1, 1.5, 2 ** 53, 'x'.repeat(2002)));
    fc.assert(
      fc.property(state, fc.nat(3), edge, (s, i, v) => {
        const a: unknown[] = [s.announced, s.phase, s.last, s.failure];
        a[i] = v;
        onlyOwnErrors(() => decodeState(b64(a)));
      }),
      { numRuns: 3000 },
    );
  });

  it('encoded states come back, long texts clipped', () => {
    fc.assert(
      fc.property(state, (s: StepState) => {
        const got = decodeState(encodeState(s));
        assert.equal(got.announced, s.announced);
        assert.equal(got.phase, s.phase);
        assert.ok(s.last.startsWith(got.last.replace(/…$/, '')));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fuzz: fetchKeyMatches', () => {
  it('never throws, and matches only the recorded key', () => {
    const key = newFetchKey();
    const hash = hashFetchKey(key);
    fc.assert(
      fc.property(fc.oneof(text, fc.constant(key)), fc.oneof(text, fc.constant(hash), fc.stringMatching(/^[0-9a-f]{64}$/)), (k, h) => {
        assert.equal(fetchKeyMatches(k, h), h === hash && k === key);
      }),
      { numRuns: 3000 },
    );
    assert.equal(fetchKeyMatches(key, undefined), false);
  });
});
