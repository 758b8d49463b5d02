// Fuzz: the fetch token and status cursor decoders. Whatever a client sends back, the answer is a position Fetch can
// use or a TokenError naming what to do, never another exception.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sinceTimeParam } from '../fetch/cursor.ts';
import { decodeToken, encodeToken, formatStatusCursor, parseStatusCursor, TokenError, type FetchPosition } from './token.ts';

/** A decoded position must be usable downstream: every number a real sinceTime, every name a path segment. */
function usable(p: FetchPosition): void {
  sinceTimeParam(p.cursor.sec);
  for (const s of [p.namespace, p.job, p.uid, p.workflow, p.nodeID]) assert.ok(!/[/?#%]/.test(s), `path-unsafe ${JSON.stringify(s)}`);
  assert.deepEqual(decodeToken(encodeToken(p)), p);
}

function decodesOrRefuses(token: string): void {
  let p: FetchPosition;
  try {
    p = decodeToken(token);
  } catch (e) {
    if (!(e instanceof TokenError)) throw e;
    assert.match(e.message, /token/);
    return;
  }
  usable(p);
}

const b64 = (v: unknown) => `f1.${Buffer.from(JSON.stringify(v), 'utf8').toString('base64url')}`;
const dns = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const position = fc.record({
  namespace: dns, job: dns, uid: fc.uuid(), workflow: fc.oneof(fc.constant(''), dns), step: fc.nat(50),
  nodeID: fc.oneof(fc.constant(''), dns),
  cursor: fc.record({ sec: fc.nat(4_102_444_800), k: fc.nat(), bytes: fc.nat() }),
  lines: fc.nat(),
}).map((p) => ({ ...p, cursor: { ...p.cursor } }));
/** Numbers and strings that sit at the edges of what the fields accept. */
const edge = fc.oneof(
  fc.constantFrom(-1, 0, 1, 1.5, 2 ** 53, 2 ** 53 - 1, 1e13, 8.64e12, 253402300800, Number.MAX_VALUE, -0, '', 'a/b', '..', '%2F', 'x?y', 'ns#', '\u0000', 'é'),
  anyJson,
);

describe('fuzz: decodeToken', () => {
  it('arbitrary strings and near-tokens never throw anything but TokenError', () => {
    const text = fc.string({ unit: 'binary', maxLength: 120 });
    fc.assert(fc.property(fc.oneof(text, text.map((s) => `f1.${s}`), text.map((s) => `f${s}`)), decodesOrRefuses), { numRuns: 3000 });
  });

  it('well-encoded arrays of arbitrary JSON never throw anything but TokenError', () => {
    fc.assert(fc.property(fc.array(anyJson, { maxLength: 12 }), (a) => decodesOrRefuses(b64(a))), { numRuns: 2000 });
    fc.assert(fc.property(anyJson, (v) => decodesOrRefuses(b64(v))), { numRuns: 1000 });
  });

  it('a valid token with one field replaced by an edge value decodes to a usable position or is refused', () => {
    fc.assert(
      fc.property(position, fc.nat(10), edge, (p, i, v) => {
        const arr = JSON.parse(Buffer.from(encodeToken(p).slice(3), 'base64url').toString('utf8')) as unknown[];
        arr[i] = v;
        decodesOrRefuses(b64(arr));
      }),
      { numRuns: 4000 },
    );
  });

  it('valid positions round-trip, and a token cut or with one character changed is refused or still usable', () => {
    fc.assert(
      fc.property(position, fc.nat(), fc.integer({ min: 0, max: 127 }), (p, at, ch) => {
        const t = encodeToken(p);
        assert.deepEqual(decodeToken(t), p);
        const i = at % t.length;
        decodesOrRefuses(t.slice(0, i));
        decodesOrRefuses(t.slice(0, i) + String.fromCharCode(ch) + t.slice(i + 1));
      }),
      { numRuns: 3000 },
    );
  });

  it('a huge token is refused quickly, not parsed', () => {
    assert.throws(() => decodeToken(`f1.${'A'.repeat(10_000_000)}`), /too long/);
    const deep = `${'['.repeat(1400)}${']'.repeat(1400)}`;
    assert.throws(() => decodeToken(`f1.${Buffer.from(deep).toString('base64url')}`), /bad layout/);
  });
});

describe('fuzz: parseStatusCursor', () => {
  it('arbitrary strings give undefined or a usable cursor', () => {
    const piece = fc.oneof(fc.string({ unit: fc.constantFrom(':', '0', '9', 'a', '-', ' ', '\n'), maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 40 }));
    fc.assert(
      fc.property(piece, (s) => {
        const c = parseStatusCursor(s);
        if (c !== undefined) sinceTimeParam(c.cursor.sec);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips whatever node ID and cursor a position holds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), position, (nodeID, p) => {
        assert.deepEqual(parseStatusCursor(formatStatusCursor(nodeID, p.cursor)), { nodeID, cursor: p.cursor });
      }),
      { numRuns: 2000 },
    );
  });
});
