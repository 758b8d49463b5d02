// Interleaved Fetch: the live output of steps that run at once (a DAG's branches), each line with its step, instead
// of program order. Built on the program-order core: one `oneStep` read per step that exists and is not drained, all
// at once; when one of them has something, the others are stopped — each stops at a consistent position with what
// it already took — and everything is merged by the kubelet's timestamps. Exactly once holds per step because each
// step's lines come only from its own cursor, which the token carries (api/interleave_token.ts). status.logs (a
// single program-order position) is not written by interleaved reads.
import { isFinished } from '../api/job.ts';
import { normalize, encodeInterleaved, type InterleavedPosition } from '../api/interleave_token.ts';
import { START_CURSOR, type FetchPosition } from '../api/token.ts';
import { workflowCompleted, workflowSteps } from '../workflow/observe.ts';
import { DEFAULT_MAX_BYTES, MAX_WAIT_SECONDS, type FetchedLine, type FetchOptions, type FetchResult, type Fetcher, type StepInfo } from './fetch.ts';

export interface InterleavedResult extends Omit<FetchResult, 'position'> {
  position: InterleavedPosition;
}

type Keyed = FetchedLine & { key: string };

const moved = (r: FetchResult) => r.lines.length > 0 || r.finishedSteps.length > 0 || r.eof;

/** The program-order position of one step of an interleaved position. */
function stepPosition(p: InterleavedPosition, step: number): FetchPosition {
  const o = p.open.get(step);
  return {
    namespace: p.namespace, job: p.job, uid: p.uid, workflow: p.workflow, step,
    nodeID: o?.nodeID ?? '', cursor: o ? { ...o.cursor } : { ...START_CURSOR }, lines: 0,
  };
}

export async function fetchInterleaved(f: Fetcher, start: InterleavedPosition, opts: FetchOptions = {}): Promise<InterleavedResult> {
  const pos: InterleavedPosition = { ...start, open: new Map([...start.open].map(([i, o]) => [i, { nodeID: o.nodeID, cursor: { ...o.cursor } }])), done: new Set(start.done) };
  const maxBytes = Math.max(1, Math.floor(opts.maxBytes ?? DEFAULT_MAX_BYTES));
  const deadline = Date.now() + Math.min(MAX_WAIT_SECONDS, Math.max(0, opts.waitSeconds ?? 0)) * 1000;
  /** One run of lines per read, each in its step's own order. */
  const lines: Keyed[][] = [];
  const finishedSteps: StepInfo[] = [];
  const messages: string[] = [];
  let jobPhase = 'Pending';
  let current: StepInfo | undefined;
  let eof = false;
  for (;;) {
    if (opts.signal?.aborted) break;
    const since = f.source.version();
    const st = f.source.get(pos.namespace, pos.job, pos.workflow || undefined);
    if (!pos.workflow && st.job?.metadata.uid === pos.uid && st.job.status?.workflowName) {
      pos.workflow = st.job.status.workflowName;
      continue;
    }
    const steps = st.workflow && st.job?.metadata.uid === pos.uid ? workflowSteps(st.workflow, st.pods) : [];
    const open = steps.filter((s) => s.index >= pos.low && !pos.done.has(s.index));
    const left = Math.max(0, deadline - Date.now());
    if (open.length === 0) {
      // Nothing to read now. Everything the program-order core decides alone — a missing or re-created job, a job
      // that ended without a workflow, the end itself — it decides at `low` without waiting.
      const ended = !st.job || st.job.metadata.uid !== pos.uid || isFinished(st.job.status?.phase) || (st.workflow !== undefined && workflowCompleted(st.workflow));
      if (ended) {
        const r = await f.fetch(stepPosition(pos, pos.low), { ...opts, oneStep: true, waitSeconds: 0, timestamps: true });
        jobPhase = r.jobPhase;
        if (r.eof) {
          eof = true;
          if (r.message) messages.push(r.message);
          break;
        }
        absorb(pos, pos.low, r, lines, finishedSteps, messages);
        if (moved(r)) break;
      }
      if (left <= 0 || lines.length > 0) break;
      const ac = new AbortController();
      const stop = () => ac.abort();
      opts.signal?.addEventListener('abort', stop, { once: true });
      await Promise.race([f.source.waitChange(pos.namespace, pos.job, pos.workflow || undefined, since, ac.signal), new Promise((ok) => setTimeout(ok, left))]);
      ac.abort();
      opts.signal?.removeEventListener('abort', stop);
      continue;
    }
    // One read per open step; the first that moves (or a new node, or the deadline) stops the others.
    const ac = new AbortController();
    const stop = () => ac.abort();
    opts.signal?.addEventListener('abort', stop, { once: true });
    const share = Math.max(4096, Math.floor(maxBytes / open.length));
    const reads = open.map((s) => f.fetch(stepPosition(pos, s.index), { maxBytes: share, waitSeconds: left / 1000, timestamps: true, oneStep: true, signal: ac.signal }));
    let first!: () => void;
    const someMoved = new Promise<void>((ok) => (first = ok));
    for (const r of reads) r.then((x) => moved(x) && first(), () => first());
    const changeCtl = new AbortController();
    await Promise.race([someMoved, Promise.allSettled(reads), f.source.waitChange(pos.namespace, pos.job, pos.workflow || undefined, since, changeCtl.signal)]);
    changeCtl.abort();
    ac.abort();
    opts.signal?.removeEventListener('abort', stop);
    const settled = await Promise.allSettled(reads);
    const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    // Nothing is handed out from a call that failed anywhere: the client retries with its old token.
    if (failed) throw failed.reason;
    settled.forEach((x, k) => {
      const r = (x as PromiseFulfilledResult<FetchResult>).value;
      jobPhase = r.jobPhase;
      const i = open[k]!.index;
      if (r.step?.index === i && (current === undefined || i < current.index)) current = r.step;
      absorb(pos, open[k]!.index, r, lines, finishedSteps, messages);
    });
    if (lines.length > 0 || finishedSteps.length > 0 || Date.now() >= deadline) break;
  }
  normalize(pos);
  const ordered = merge(lines).map((l) => {
    const out: FetchedLine = { step: l.step, text: l.text };
    if (opts.timestamps && l.time) out.time = l.time;
    if (l.notice) out.notice = true;
    return out;
  });
  if (eof) current = undefined;
  const res: InterleavedResult = { lines: ordered, token: encodeInterleaved(pos), position: pos, eof, jobPhase, workflow: pos.workflow, finishedSteps };
  if (current) res.step = current;
  if (messages.length > 0) res.message = [...new Set(messages)].join('; ');
  return res;
}

/** Takes one step's read into the interleaved position. */
function absorb(pos: InterleavedPosition, step: number, r: FetchResult, lines: Keyed[][], finished: StepInfo[], messages: string[]): void {
  let key = '';
  const run: Keyed[] = [];
  for (const l of r.lines) {
    // A notice (no timestamp) keeps the time of its step's line before it.
    if (l.time) key = timeKey(l.time);
    run.push({ ...l, key });
  }
  if (run.length > 0) lines.push(run);
  pos.lines += r.lines.length;
  if (r.workflow && !pos.workflow) pos.workflow = r.workflow;
  finished.push(...r.finishedSteps);
  if (r.message) messages.push(r.message);
  if (r.position.step !== step || r.finishedSteps.some((s) => s.index === step)) {
    pos.done.add(step);
    pos.open.delete(step);
  } else if (r.position.nodeID) {
    pos.open.set(step, { nodeID: r.position.nodeID, cursor: { ...r.position.cursor } });
  }
  normalize(pos);
}

/** RFC3339Nano drops trailing zeros of the fraction; pad it so keys compare as strings. */
function timeKey(t: string): string {
  const m = /^([^.]*?)(?:\.(\d+))?Z$/.exec(t);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : t;
}

/**
 * Merges the runs by time, never reordering a run: a step's own lines keep the order of its log even where their
 * timestamps do not (runtimes stamp stdout and stderr apart, see cursor.ts).
 */
function merge(runs: Keyed[][]): Keyed[] {
  const at = runs.map(() => 0);
  const out: Keyed[] = [];
  for (;;) {
    let best = -1;
    for (let r = 0; r < runs.length; r++) {
      const l = runs[r]![at[r]!];
      if (l && (best < 0 || l.key < runs[best]![at[best]!]!.key)) best = r;
    }
    if (best < 0) return out;
    out.push(runs[best]![at[best]!++]!);
  }
}
