import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeToken, encodeToken, formatStatusCursor, parseStatusCursor, TokenError, type FetchPosition } from './token.ts';

const pos: FetchPosition = {
  namespace: 'team-a', job: 'nightly', uid: '0b7c6f1e-1111-2222-3333-444455556666', workflow: 'nightly-x7k2p',
  step: 2, nodeID: 'nightly-x7k2p-1044844302', cursor: { sec: 1_767_225_600, k: 17, bytes: 2048 }, lines: 12345,
};

test('token round-trips and is URL-safe', () => {
  const t = encodeToken(pos);
  assert.match(t, /^f1\.[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeToken(t), pos);
});

test('bad tokens are refused with a clear TokenError', () => {
  assert.throws(() => decodeToken(''), TokenError);
  assert.throws(() => decodeToken('hello'), /not a fetch token/);
  assert.throws(() => decodeToken('f2.abc'), /version 2 is not supported/);
  assert.throws(() => decodeToken('f1.!!!'), TokenError);
  const t = encodeToken(pos);
  assert.throws(() => decodeToken(t.slice(0, -4)), TokenError);
  const tampered = 'f1.' + Buffer.from(JSON.stringify([1, 'ns', 'j', 'u', '', -1, '', 0, 0, 0, 0])).toString('base64url');
  assert.throws(() => decodeToken(tampered), /bad position/);
});

test('status cursor round-trips', () => {
  const s = formatStatusCursor('wf-123', pos.cursor);
  assert.deepEqual(parseStatusCursor(s), { nodeID: 'wf-123', cursor: pos.cursor });
  assert.equal(parseStatusCursor('junk'), undefined);
});
