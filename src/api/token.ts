// The fetch token: everything Fetch needs to continue, carried by the client, so no server remembers anything.
//
// Shape: "f1." + base64url(JSON array). The array (not an object) keeps tokens short; the "f1." prefix versions the
// format so a later layout can be told apart and an old token refused with a clear message instead of misread.
// A token is not a credential: it only says where to continue. Access is checked on every call against the
// namespace it names. The job's UID is carried so a token for a deleted job never reads the logs of a re-created job with the same name.
//
// The log cursor (see src/fetch/cursor.ts for the proof) is (sec, k, bytes): "the first k lines, `bytes` bytes with
// their timestamp prefixes, of the kubelet's answer to sinceTime=sec&timestamps=true have been delivered".

export const TOKEN_PREFIX = 'f1.';

/** A position inside one step's `main` container log. sec = 0 means "from the start of the log" (no sinceTime). */
export interface LogCursor {
  /** Whole second (Unix seconds) sent as sinceTime; 0 = none. */
  sec: number;
  /** Lines of the sinceTime=sec answer already delivered. */
  k: number;
  /** Bytes of those k lines as the kubelet sent them (timestamp prefix and newline included); a read-size hint. */
  bytes: number;
}

export const START_CURSOR: LogCursor = Object.freeze({ sec: 0, k: 0, bytes: 0 });

export interface FetchPosition {
  namespace: string;
  /** SQLFlowJob name and UID (the UID refuses a token for a deleted and re-created job). */
  job: string;
  uid: string;
  /** Argo Workflow name; '' when the token was made before the operator created it. */
  workflow: string;
  /** 0-based step index; equal to the step count once every step is drained. */
  step: number;
  /** Argo node ID of that step ('' when not known yet): for raw workflows indices are by start order. */
  nodeID: string;
  cursor: LogCursor;
  /** Lines delivered so far over all steps (for status.logs.linesDelivered). */
  lines: number;
}

export class TokenError extends Error {
  override readonly name = 'TokenError';
}

export function encodeToken(p: FetchPosition): string {
  const arr = [1, p.namespace, p.job, p.uid, p.workflow, p.step, p.nodeID, p.cursor.sec, p.cursor.k, p.cursor.bytes, p.lines];
  return TOKEN_PREFIX + Buffer.from(JSON.stringify(arr), 'utf8').toString('base64url');
}

const isNat = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isStr = (x: unknown): x is string => typeof x === 'string';
/** The last second sinceTime can carry (RFC3339 has four-digit years): a larger one cannot be sent to the kubelet. */
export const MAX_CURSOR_SEC = 253_402_300_799;
const isSec = (x: unknown): x is number => isNat(x) && x <= MAX_CURSOR_SEC;
/** Names become URL path segments: Kubernetes names, UIDs and Argo node IDs use only these characters. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
const isName = (x: unknown): x is string => isStr(x) && NAME.test(x);
const isOptName = (x: unknown): x is string => x === '' || isName(x);
/** Far above any real token (names are at most 253 characters): a longer one is refused before decoding. */
const MAX_TOKEN_LENGTH = 4096;

export function decodeToken(token: string): FetchPosition {
  if (typeof token !== 'string' || token === '') throw new TokenError('empty fetch token');
  if (!token.startsWith(TOKEN_PREFIX)) {
    const m = /^f(\d+)\./.exec(token);
    throw new TokenError(
      m ? `fetch token version ${m[1]} is not supported by this server (it reads version 1); fetch again by job name`
        : 'not a fetch token (it should start with "f1."); pass the token exactly as Run or Fetch returned it',
    );
  }
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError(`fetch token is too long (${token.length} characters); pass it exactly as Run or Fetch returned it`);
  let arr: unknown;
  try {
    arr = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('fetch token is corrupt (not decodable); pass it exactly as Run or Fetch returned it');
  }
  if (!Array.isArray(arr) || arr.length !== 11 || arr[0] !== 1) throw new TokenError('fetch token is corrupt (bad layout)');
  const [, ns, job, uid, wf, step, nodeID, sec, k, bytes, lines] = arr as unknown[];
  if (!isName(ns) || !isName(job) || !isName(uid) || !isOptName(wf) || !isOptName(nodeID)) {
    throw new TokenError('fetch token is corrupt (bad job reference)');
  }
  if (!isNat(step) || !isSec(sec) || !isNat(k) || !isNat(bytes) || !isNat(lines)) {
    throw new TokenError('fetch token is corrupt (bad position)');
  }
  return { namespace: ns, job, uid, workflow: wf, step, nodeID, cursor: { sec, k, bytes }, lines };
}

/** The cursor as recorded in status.logs.cursor: "<nodeID>:<sec>:<k>:<bytes>" (opaque to users). */
export function formatStatusCursor(nodeID: string, c: LogCursor): string {
  return `${nodeID}:${c.sec}:${c.k}:${c.bytes}`;
}

export function parseStatusCursor(s: string): { nodeID: string; cursor: LogCursor } | undefined {
  // Greedy node ID: the three numbers are the last three fields whatever the ID holds.
  const m = /^([^]*):(\d+):(\d+):(\d+)$/.exec(s);
  if (!m) return undefined;
  const [sec, k, bytes] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (!isSec(sec) || !isNat(k) || !isNat(bytes)) return undefined;
  return { nodeID: m[1]!, cursor: { sec, k, bytes } };
}
