// The interleaved fetch token: where each of a job's concurrently running steps has got, so live output of a DAG's
// branches can be delivered as it comes, every line exactly once — still stateless, carried by the client.
//
// Shape: "i1." + base64url(JSON array), like the program-order token ("f1.", token.ts) it extends: every step below
// `low` is drained; of the steps from `low` on, `open` holds the cursor of each one partly read and `done` the ones
// drained; any other step is unread. A program-order position (step k at cursor c) is exactly the interleaved one
// with low = k and open = {k: c}, so a client can switch to interleaving at any point (fromPosition).
import { TokenError, decodeToken, type FetchPosition, type LogCursor } from './token.ts';

export const INTERLEAVED_PREFIX = 'i1.';

export interface OpenStep {
  nodeID: string;
  cursor: LogCursor;
}

export interface InterleavedPosition {
  namespace: string;
  job: string;
  uid: string;
  workflow: string;
  /** Every step below it is drained. */
  low: number;
  /** Steps >= low partly read. */
  open: Map<number, OpenStep>;
  /** Steps > low drained (low itself never is: it would have moved on). */
  done: Set<number>;
  /** Lines delivered so far over all steps. */
  lines: number;
}

export const isInterleavedToken = (t: string): boolean => typeof t === 'string' && t.startsWith(INTERLEAVED_PREFIX);

export function fromPosition(p: FetchPosition): InterleavedPosition {
  const open = new Map<number, OpenStep>();
  if (p.nodeID || p.cursor.sec || p.cursor.k) open.set(p.step, { nodeID: p.nodeID, cursor: { ...p.cursor } });
  return { namespace: p.namespace, job: p.job, uid: p.uid, workflow: p.workflow, low: p.step, open, done: new Set(), lines: p.lines };
}

/** Moves `low` past drained steps and forgets what lies below it. */
export function normalize(p: InterleavedPosition): void {
  while (p.done.has(p.low)) {
    p.done.delete(p.low);
    p.open.delete(p.low);
    p.low++;
  }
  for (const i of p.open.keys()) if (i < p.low || p.done.has(i)) p.open.delete(i);
  for (const i of p.done) if (i < p.low) p.done.delete(i);
}

export function encodeInterleaved(p: InterleavedPosition): string {
  const open = [...p.open.entries()].sort((a, b) => a[0] - b[0]).map(([i, o]) => [i, o.nodeID, o.cursor.sec, o.cursor.k, o.cursor.bytes]);
  const arr = [1, p.namespace, p.job, p.uid, p.workflow, p.low, open, [...p.done].sort((a, b) => a - b), p.lines];
  return INTERLEAVED_PREFIX + Buffer.from(JSON.stringify(arr), 'utf8').toString('base64url');
}

const isNat = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isStr = (x: unknown): x is string => typeof x === 'string';

export function decodeInterleaved(token: string): InterleavedPosition {
  if (!isInterleavedToken(token)) throw new TokenError('not an interleaved fetch token (it should start with "i1.")');
  let arr: unknown;
  try {
    arr = JSON.parse(Buffer.from(token.slice(INTERLEAVED_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('interleaved fetch token is corrupt (not decodable); pass it exactly as Fetch returned it');
  }
  if (!Array.isArray(arr) || arr.length !== 9 || arr[0] !== 1) throw new TokenError('interleaved fetch token is corrupt (bad layout)');
  const [, ns, job, uid, wf, low, open, done, lines] = arr as unknown[];
  if (!isStr(ns) || !isStr(job) || !isStr(uid) || !isStr(wf) || ns === '' || job === '' || uid === '') {
    throw new TokenError('interleaved fetch token is corrupt (bad job reference)');
  }
  if (!isNat(low) || !isNat(lines) || !Array.isArray(open) || !Array.isArray(done) || !done.every((d) => isNat(d) && d > low)) {
    throw new TokenError('interleaved fetch token is corrupt (bad position)');
  }
  const o = new Map<number, OpenStep>();
  for (const e of open as unknown[]) {
    const [i, nodeID, sec, k, bytes] = Array.isArray(e) ? e : [];
    if (!isNat(i) || i < low || !isStr(nodeID) || !isNat(sec) || !isNat(k) || !isNat(bytes) || o.has(i)) {
      throw new TokenError('interleaved fetch token is corrupt (bad step position)');
    }
    o.set(i, { nodeID, cursor: { sec, k, bytes } });
  }
  return { namespace: ns, job, uid, workflow: wf, low, open: o, done: new Set(done as number[]), lines };
}

/** The job a token of either kind names (for a client that needs only that, e.g. to Get the job). */
export function tokenJob(token: string): { namespace: string; job: string } {
  const p = isInterleavedToken(token) ? decodeInterleaved(token) : decodeToken(token);
  return { namespace: p.namespace, job: p.job };
}
