// The pure parts of proto.SQLFlow: job ids and keys, the step_phase state, and v1 results → SQLFlow responses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeToken, encodeToken, START_CURSOR, type FetchPosition } from '../api/token.ts';
import type { FetchResult, StepInfo } from '../fetch/fetch.ts';
import type { Response } from '../gen/proto/sqlflow_pb.ts';
import { lineResponses, MESSAGE_CHUNK_BYTES, messagePieces, translate } from './sqlflow_service.ts';
import {
  decodeState, encodeState, fetchKeyMatches, formatJobId, hashFetchKey, newFetchKey, parseJobId, SQLFlowIdError, START_STATE,
} from './sqlflow_ids.ts';

describe('job id', () => {
  test('round trip; the key matches only its own hash', () => {
    const key = newFetchKey();
    const id = formatJobId({ namespace: 'team-a', name: 'sqlflow-abc', key });
    assert.deepEqual(parseJobId(id), { namespace: 'team-a', name: 'sqlflow-abc', key });
    assert.ok(fetchKeyMatches(key, hashFetchKey(key)));
    assert.ok(!fetchKeyMatches(newFetchKey(), hashFetchKey(key)));
    assert.ok(!fetchKeyMatches(key, undefined));
    assert.ok(!fetchKeyMatches(key, 'nothex'));
  });
  test('foreign ids are refused with what to do', () => {
    for (const s of ['', 'sqlflow-abc', 'argo-wf-123', 'a/b', 'A/b/' + 'x'.repeat(32), 'a/b/short', `a/b/${'x'.repeat(32)}/more`]) {
      assert.throws(() => parseJobId(s), (e) => e instanceof SQLFlowIdError && /exactly as Run returned it/.test(e.message), s);
    }
  });
});

describe('step state', () => {
  test('round trip, empty = start, tampering refused', () => {
    const st = { announced: 2, phase: 'Running', last: 'epoch 3', failure: '' };
    assert.deepEqual(decodeState(encodeState(st)), st);
    assert.deepEqual(decodeState(''), START_STATE);
    for (const s of ['x', 's1.', 's1.' + Buffer.from('[1,2]').toString('base64url'), 's1.' + Buffer.from('["a","b","c","d"]').toString('base64url'), 's1.' + Buffer.from('[-5,"","",""]').toString('base64url')]) {
      assert.throws(() => decodeState(s), SQLFlowIdError, s);
    }
  });
  test('long texts are clipped', () => {
    const st = decodeState(encodeState({ announced: 0, phase: 'Running', last: 'x'.repeat(10_000), failure: '' }));
    assert.ok(st.last.length <= 2001);
  });
});

const pos = (step: number, lines = 0): FetchPosition => ({ namespace: 'ns', job: 'j', uid: 'u', workflow: 'w', step, nodeID: '', cursor: { ...START_CURSOR }, lines });
const info = (index: number, phase: string, extra: Partial<StepInfo> = {}): StepInfo => ({ index, count: 2, name: `step-${index + 1}`, nodeID: `n${index}`, phase, ...extra });
const result = (p: Partial<FetchResult>): FetchResult => ({ lines: [], token: encodeToken(pos(0, 9)), position: pos(0, 9), eof: false, jobPhase: 'Running', workflow: 'w', finishedSteps: [], ...p });
const show = (rs: Response[]) => rs.map((r) => (r.response.case === 'message' ? r.response.value.message : r.response.case));

describe('translate', () => {
  const stmts = ['SELECT 1', 'SELECT 2'];
  test('running step: announced once, its lines live, phase changes reported', () => {
    const r1 = translate(result({ lines: [{ step: 0, text: 'a' }], step: info(0, 'Running') }), pos(0), START_STATE, stmts);
    assert.deepEqual(show(r1.responses), ['SQLFlow Step: [1/2] Execute Code: SELECT 1', 'a', 'SQLFlow Step: [1/2] Status: Running']);
    assert.equal(r1.eof, false);
    const r2 = translate(result({ lines: [{ step: 0, text: 'b' }], step: info(0, 'Running') }), pos(0), r1.state, stmts);
    assert.deepEqual(show(r2.responses), ['b']);
  });

  test('one step per answer: after an eoe the next call starts at the next step (its lines here are not sent)', () => {
    const r = translate(result({
      lines: [{ step: 0, text: 'a' }, { step: 1, text: 'head:<column_names:"b" > ' }], step: info(1, 'Running'), finishedSteps: [info(0, 'Succeeded')],
    }), pos(0, 4), START_STATE, stmts);
    assert.deepEqual(show(r.responses), ['SQLFlow Step: [1/2] Execute Code: SELECT 1', 'a', 'SQLFlow Step: [1/2] Status: Succeeded', 'eoe']);
    assert.equal(r.eof, false);
    const next = decodeToken(r.token);
    assert.equal(next.step, 1);
    assert.deepEqual(next.cursor, START_CURSOR);
    assert.equal(next.lines, 5);
  });

  test('the next step\'s plain lines read with this step\'s end go before its eoe, live, and the call continues after them', () => {
    const r = translate(result({
      lines: [{ step: 0, text: 'a' }, { step: 1, text: 'epoch 1' }, { step: 1, text: 'epoch 2' }], step: info(1, 'Running'), finishedSteps: [info(0, 'Succeeded')],
    }), pos(0, 4), START_STATE, stmts);
    assert.deepEqual(show(r.responses), [
      'SQLFlow Step: [1/2] Execute Code: SELECT 1', 'a', 'SQLFlow Step: [1/2] Status: Succeeded',
      'SQLFlow Step: [2/2] Execute Code: SELECT 2', 'epoch 1', 'epoch 2', 'SQLFlow Step: [2/2] Status: Running', 'eoe',
    ]);
    assert.equal(r.token, encodeToken(pos(0, 9)), 'the v1 token: after every line sent');
    assert.deepEqual({ announced: r.state.announced, phase: r.state.phase, last: r.state.last }, { announced: 1, phase: 'Running', last: 'epoch 2' });
    // The next call goes on in step 2 without announcing it again.
    const r2 = translate(result({ lines: [{ step: 1, text: 'epoch 3' }], step: info(1, 'Running'), position: pos(1, 9) }), pos(1, 9), r.state, stmts);
    assert.deepEqual(show(r2.responses), ['epoch 3']);
  });

  test('last step drained with eof: eoe and eof together', () => {
    const r = translate(result({ lines: [{ step: 1, text: 'z' }], finishedSteps: [info(1, 'Succeeded')], eof: true, jobPhase: 'Succeeded' }), pos(1), { ...START_STATE, announced: 1 }, stmts);
    assert.deepEqual(show(r.responses), ['z', 'SQLFlow Step: [2/2] Status: Succeeded', 'eoe']);
    assert.equal(r.eof, true);
  });

  test('failed step: its lines now, the failure (step, exit code, last line) for the next call, no eof', () => {
    const r = translate(result({
      lines: [{ step: 0, text: 'Error 1146: no table' }], finishedSteps: [info(0, 'Failed', { exitCode: 3, message: 'Error (exit code 3)' })], eof: true, jobPhase: 'Failed',
    }), pos(0), START_STATE, stmts);
    assert.deepEqual(show(r.responses), ['SQLFlow Step: [1/2] Execute Code: SELECT 1', 'Error 1146: no table', 'SQLFlow Step: [1/2] Status: Failed']);
    assert.equal(r.eof, false);
    assert.equal(r.state.failure, 'SQLFlow Step: [1/2] Failed (exit code 3): Error (exit code 3)\nError 1146: no table');
  });

  test('a pending step shows nothing yet', () => {
    const r = translate(result({ step: info(0, 'Pending') }), pos(0), START_STATE, stmts);
    assert.deepEqual(r.responses, []);
  });

  test('lines: head/row as tables with the Any bytes unchanged, message lines unwrapped, HTML passed through', () => {
    const [head] = lineResponses('head:<column_names:"a" > ');
    assert.equal(head!.response.case, 'head');
    const [row] = lineResponses('row:<data:<type_url:"type.googleapis.com/google.protobuf.Int32Value" value:"\\010\\002" > > ');
    assert.ok(row!.response.case === 'row');
    if (row!.response.case === 'row') assert.deepEqual([...row!.response.value.data[0]!.value], [8, 2]);
    assert.deepEqual(show([...lineResponses('message:<message:"boom" > '), ...lineResponses('data:text/html,<div>x</div>')]), ['boom', 'data:text/html,<div>x</div>']);
  });

  test('a message over 4 KiB goes as 4 KiB pieces, in order, cut between characters; a figure stays whole', () => {
    const text = `${'a'.repeat(4095)}é${'b'.repeat(4096)}€😀c`;
    const pieces = messagePieces(text);
    assert.equal(pieces.join(''), text);
    assert.ok(pieces.every((p) => Buffer.byteLength(p, 'utf8') <= MESSAGE_CHUNK_BYTES), pieces.map((p) => Buffer.byteLength(p)).join());
    assert.equal(pieces[0], 'a'.repeat(4095), 'the 2-byte é does not fit the first piece');
    assert.deepEqual(messagePieces('x'.repeat(4096)), ['x'.repeat(4096)]);
    assert.equal(messagePieces('x'.repeat(4097)).length, 2);
    const figure = `data:text/html,<div><img src="data:image/png;base64,${'A'.repeat(20_000)}"/></div>`;
    assert.deepEqual(messagePieces(figure), [figure]);
    // Through the translation: an error message line from the step is unwrapped, then cut.
    const long = 'e'.repeat(10_000);
    assert.deepEqual(show(lineResponses(`message:<message:"${long}" > `)), ['e'.repeat(4096), 'e'.repeat(4096), 'e'.repeat(1808)]);
  });
});
