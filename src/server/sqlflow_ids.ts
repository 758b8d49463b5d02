// proto.SQLFlow's job id and cursor state, pure.
//
// The 0.15.0 client's first Fetch carries only `Job.id`, and no Fetch carries credentials (no metadata, no session).
// So the id is "<namespace>/<job name>/<fetch key>": the namespace and name locate the SQLFlowJob, and the key — a
// random secret handed only to the caller whose Run passed the TokenReview + SubjectAccessReview — proves the right
// to read that one job's logs. The job keeps only the key's SHA-256 (annotation FETCH_KEY_ANNOTATION), so nothing
// readable in the SQLFlowJob lets another user forge an id. Every replica can check it: stateless.
//
// The cursor is `updated_fetch_since`: step_id holds our sqlflow.v1 fetch token (the exactly-once position), and
// step_phase what the SQLFlow-style status lines need (which step was announced, its last phase, a pending failure).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const FETCH_KEY_ANNOTATION = 'sqlflow.org/fetch-key-sha256';

export class SQLFlowIdError extends Error {
  override readonly name = 'SQLFlowIdError';
}

export interface JobId {
  namespace: string;
  name: string;
  key: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const KEY = /^[A-Za-z0-9_-]{32}$/;

export function newFetchKey(): string {
  return randomBytes(24).toString('base64url');
}

export function hashFetchKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Constant-time comparison of a presented key with the job's recorded hash. */
export function fetchKeyMatches(key: string, recordedHash: string | undefined): boolean {
  if (!recordedHash || !/^[0-9a-f]{64}$/.test(recordedHash)) return false;
  return timingSafeEqual(Buffer.from(hashFetchKey(key), 'hex'), Buffer.from(recordedHash, 'hex'));
}

export function formatJobId(id: JobId): string {
  return `${id.namespace}/${id.name}/${id.key}`;
}

export function parseJobId(s: string): JobId {
  const parts = s.split('/');
  if (parts.length !== 3 || !DNS_LABEL.test(parts[0]!) || !DNS_SUBDOMAIN.test(parts[1]!) || !KEY.test(parts[2]!)) {
    throw new SQLFlowIdError(`job id ${JSON.stringify(s.slice(0, 200))} is not one this server gave out ("<namespace>/<job>/<key>" from Run); pass the id exactly as Run returned it`);
  }
  return { namespace: parts[0]!, name: parts[1]!, key: parts[2]! };
}

/** What step_phase carries between Fetch calls. */
export interface StepState {
  /** Highest 0-based step whose "Execute Code" line was sent; -1 = none. */
  announced: number;
  /** The last phase reported for the current step ('' = none). */
  phase: string;
  /** The current step's last line (bounded): the failure's message if the step fails in a later call. */
  last: string;
  /** A failure to raise as a gRPC error on the next call ('' = none). */
  failure: string;
}

export const START_STATE: StepState = Object.freeze({ announced: -1, phase: '', last: '', failure: '' });
const PREFIX = 's1.';
const MAX_TEXT = 2000;

export function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

export function encodeState(s: StepState): string {
  return PREFIX + Buffer.from(JSON.stringify([s.announced, s.phase, clip(s.last), clip(s.failure)]), 'utf8').toString('base64url');
}

export function decodeState(s: string): StepState {
  if (s === '') return { ...START_STATE };
  const bad = () => new SQLFlowIdError('updated_fetch_since.step_phase is not one this server gave out; send updated_fetch_since back unchanged');
  if (!s.startsWith(PREFIX)) throw bad();
  let a: unknown;
  try {
    a = JSON.parse(Buffer.from(s.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(a) || a.length !== 4) throw bad();
  const [announced, phase, last, failure] = a as unknown[];
  if (!Number.isSafeInteger(announced) || (announced as number) < -1 || typeof phase !== 'string' || typeof last !== 'string' || typeof failure !== 'string') throw bad();
  if (phase.length > 64 || last.length > MAX_TEXT + 1 || failure.length > MAX_TEXT + 1) throw bad();
  return { announced: announced as number, phase, last, failure };
}
