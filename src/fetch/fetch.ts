// The Fetch core: from a position (token) to the next lines of the job's steps, in order, exactly once.
//
// One Fetch walks the steps from the token's step: it reads only new bytes of the step's `main` container log
// (reader.ts, through the continuation cache when the position matches a parked reader), moves to the next step
// once the current step's pod has terminated and its log is drained, and reports eof only when the workflow is
// complete and its last step drained — never in the gap before Argo creates the next node. With waitSeconds it
// long-polls: it sleeps on the informers' change notifications and the reader's new lines, never on a timer loop.
import type { KubeConfig } from '@kubernetes/client-node';
import { isFinished, type LogsStatus } from '../api/job.ts';
import { encodeToken, formatStatusCursor, parseStatusCursor, START_CURSOR, type FetchPosition, type LogCursor } from '../api/token.ts';
import { describeError } from '../kube/errors.ts';
import { type Logger, silentLogger } from '../kube/logger.ts';
import { core, Resources } from '../kube/resources.ts';
import { jobPhaseOf } from '../workflow/phase.ts';
import {
  NODE_ID_ANNOTATION, nodeDone, plannedStepCount, WORKFLOW_LABEL, workflowCompleted, workflowSteps, type PodLike, type Step,
} from '../workflow/observe.ts';
import { podWaitReason, type PodWaitView } from '../workflow/podwait.ts';
import type { ReaderCache } from './cache.ts';
import type { ParsedLine } from './cursor.ts';
import { isExecutorLine } from './executor.ts';
import { PodLogError } from './podlog.ts';
import { LogReader } from './reader.ts';
import type { JobSource, JobState, PodObj, WorkflowObj } from './source.ts';
import type { StatusRecorder } from './status.ts';

export const MAIN_CONTAINER = 'main';
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const MAX_WAIT_SECONDS = 60;

export interface FetchOptions {
  /** Upper bound on the content bytes returned (a single longer line is still returned whole). Default 1 MiB. */
  maxBytes?: number;
  /** Long-poll: wait up to this long for new lines or a state change (0 = answer at once). Capped at 60. */
  waitSeconds?: number;
  /** Include each line's kubelet timestamp (RFC3339Nano). */
  timestamps?: boolean;
  /**
   * Read the token's step only: stop once it is drained (never go on to the next step) and leave status.logs alone.
   * The interleaved reader (interleave.ts) runs one such read per step that is running at once.
   */
  oneStep?: boolean;
  signal?: AbortSignal;
}

export interface FetchedLine {
  /** 0-based step index the line belongs to. */
  step: number;
  text: string;
  /** RFC3339Nano, only when asked for. */
  time?: string;
  /** A line written by Fetch itself (e.g. "the pod was deleted"), not by the step. */
  notice?: boolean;
}

export interface StepInfo {
  index: number;
  /** Steps in all (known up front for programs; so far for raw workflows). */
  count: number;
  /** `count` is final (a program, or a completed workflow), not just the steps Argo has created so far. */
  countKnown?: boolean;
  name: string;
  nodeID: string;
  podName?: string;
  /** Argo node phase: Pending, Running, Succeeded, Failed, Error, Skipped, Omitted. */
  phase: string;
  exitCode?: number;
  message?: string;
  /** Why a Pending step's pod is not running yet (workflow/podwait.ts); unset when it runs or has no pod. */
  waiting?: string;
}

export interface FetchResult {
  lines: FetchedLine[];
  /** Pass it to the next Fetch; it is also valid in another process or on another replica. */
  token: string;
  position: FetchPosition;
  /** Every line of every step has been delivered and the workflow is complete. */
  eof: boolean;
  jobPhase: string;
  workflow: string;
  /** The step the token now points at (absent once eof or before the first step exists). */
  step?: StepInfo;
  /** Steps whose log was drained during this call, in order, with their final phase and exit code. */
  finishedSteps: StepInfo[];
  /** Something the client should show: a failed step, a vanished workflow, a log read error. */
  message?: string;
}

export type FetchErrorCode = 'not-found' | 'failed-precondition' | 'invalid-argument' | 'unavailable';

export class FetchError extends Error {
  override readonly name = 'FetchError';
  readonly code: FetchErrorCode;
  constructor(code: FetchErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface FetcherOptions {
  kc: KubeConfig;
  source: JobSource;
  /** Continuation readers; `false` reads every Fetch afresh with limitBytes (correct, but re-reads the current second). */
  cache: ReaderCache | false;
  status?: StatusRecorder | false;
  logger?: Logger;
}

type Decision =
  | { kind: 'eof'; message?: string; workflow?: WorkflowObj }
  | { kind: 'wait'; wf?: string }
  | { kind: 'skip'; step: Step; notice?: string }
  | { kind: 'read'; step: Step; pod: PodObj };

interface ReadOutcome {
  lines: ParsedLine[];
  /** The cursor after `lines` (unchanged when none). */
  cursor?: LogCursor;
  drained: boolean;
  gone?: boolean;
  error?: string;
  waitOn?: Promise<void>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((ok) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      ok();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function mainTerminated(pod: PodObj): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  return pod.status?.containerStatuses?.find((c) => c.name === MAIN_CONTAINER)?.state?.terminated !== undefined;
}

export class Fetcher {
  readonly source: JobSource;
  private readonly kc: KubeConfig;
  private readonly cache: ReaderCache | false;
  private readonly status: StatusRecorder | false;
  private readonly log: Logger;
  private readonly kube: Resources;

  constructor(o: FetcherOptions) {
    this.kc = o.kc;
    this.source = o.source;
    this.cache = o.cache;
    this.status = o.status ?? false;
    this.log = o.logger ?? silentLogger;
    this.kube = new Resources(o.kc);
  }

  /**
   * The position to start from for a job given by name: its status.logs record when `from` is 'record' and the job
   * has one (the cursor of the furthest client that reported progress), else the beginning of its first step.
   */
  startPosition(namespace: string, name: string, from: 'record' | 'beginning' = 'record'): FetchPosition {
    const job = this.source.get(namespace, name, undefined).job;
    if (!job) throw new FetchError('not-found', `SQLFlowJob ${namespace}/${name} not found`);
    const uid = job.metadata.uid ?? '';
    const pos: FetchPosition = {
      namespace, job: name, uid, workflow: job.status?.workflowName ?? '', step: 0, nodeID: '', cursor: { ...START_CURSOR }, lines: 0,
    };
    const rec = job.status?.logs;
    if (from === 'record' && rec && rec.step !== undefined && pos.workflow) {
      const c = rec.cursor ? parseStatusCursor(rec.cursor) : undefined;
      pos.step = rec.step;
      pos.lines = rec.linesDelivered ?? 0;
      if (c) {
        pos.nodeID = c.nodeID;
        pos.cursor = c.cursor;
      }
    }
    return pos;
  }

  async fetch(start: FetchPosition, opts: FetchOptions = {}): Promise<FetchResult> {
    const maxBytes = Math.max(1, Math.floor(opts.maxBytes ?? DEFAULT_MAX_BYTES));
    const waitMs = Math.min(MAX_WAIT_SECONDS, Math.max(0, opts.waitSeconds ?? 0)) * 1000;
    const deadline = Date.now() + waitMs;
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Yield to I/O once: a caller looping on waitSeconds=0 must not starve the sockets its readers wait on.
    await new Promise<void>((ok) => setImmediate(ok));
    const pos: FetchPosition = { ...start, cursor: { ...start.cursor } };
    const lines: FetchedLine[] = [];
    const finishedSteps: StepInfo[] = [];
    let budget = maxBytes;
    let eof = false;
    let message: string | undefined;
    let jobPhase = 'Pending';
    let current: StepInfo | undefined;
    let logsRecord: LogsStatus | undefined;
    try {
      for (;;) {
        if (ac.signal.aborted) break;
        const since = this.source.version();
        const st = this.source.get(pos.namespace, pos.job, pos.workflow);
        const job = st.job;
        if (!job) {
          throw new FetchError('not-found', `SQLFlowJob ${pos.namespace}/${pos.job} not found: it was deleted, and its workflow and logs with it`);
        }
        if (job.metadata.uid !== pos.uid) {
          throw new FetchError(
            'failed-precondition',
            `this token is for SQLFlowJob ${pos.namespace}/${pos.job} with UID ${pos.uid}, but that job was deleted and a new one ` +
              `(UID ${job.metadata.uid}) now has its name; fetch the new job by name to read its logs`,
          );
        }
        jobPhase = job.status?.phase ?? 'Pending';
        logsRecord = job.status?.logs;
        if (!pos.workflow && job.status?.workflowName) {
          pos.workflow = job.status.workflowName;
          continue;
        }
        const d = this.decide(st, pos, opts.oneStep === true);
        current = d.kind === 'read' || d.kind === 'skip' ? stepInfo(d.step, st) : d.kind === 'wait' ? currentStep(st, pos) : undefined;
        if (d.kind === 'eof') {
          eof = true;
          if (d.message) message = d.message;
          // A completed workflow decided eof; the job's own phase follows it only once the operator has written it.
          // Report the phase of what decided eof, so a client that stops here never sees a final eof with "Running".
          if (d.workflow && !isFinished(job.status?.phase)) jobPhase = jobPhaseOf(d.workflow, job.spec?.cancel === true);
          break;
        }
        let waitOn: Promise<void> | undefined;
        if (d.kind === 'skip') {
          if (d.notice) lines.push({ step: d.step.index, text: d.notice, notice: true });
          this.finishStep(pos, d.step, st, finishedSteps);
          if (opts.oneStep) break;
          continue;
        }
        if (d.kind === 'read') {
          const terminated = mainTerminated(d.pod);
          // Drain (and report) a step only once Argo has recorded its end too, so finishedSteps carries the final
          // phase and exit code; the pod's status often arrives a moment before the node's.
          const stepDone = nodeDone(d.step.phase) || (st.workflow !== undefined && workflowCompleted(st.workflow));
          const r = await this.readStep(pos, d.pod, terminated, stepDone, budget, deadline, ac.signal);
          for (const l of r.lines) {
            // Read past (the cursor moves on) but not delivered: Argo's executor, not the step, wrote it.
            if (isExecutorLine(l.text)) continue;
            const fl: FetchedLine = { step: d.step.index, text: l.text };
            if (opts.timestamps && l.time) fl.time = l.time;
            lines.push(fl);
            budget -= l.size + 1;
            pos.lines++;
          }
          if (r.cursor) pos.cursor = r.cursor;
          if (r.error) message = r.error;
          if (r.gone) {
            if (await this.podGone(pos.namespace, pos.workflow, d.step.nodeID)) {
              lines.push({ step: d.step.index, text: deletedNotice(d.step, st), notice: true });
              this.cacheDropPod(pos.namespace, d.pod.metadata?.name ?? '');
              this.finishStep(pos, d.step, st, finishedSteps);
              if (opts.oneStep) break;
              continue;
            }
          }
          if (r.drained) {
            this.finishStep(pos, d.step, st, finishedSteps);
            if (budget > 0 && !opts.oneStep) continue;
            break;
          }
          if (r.lines.length > 0) break;
          waitOn = r.waitOn;
        }
        // Nothing to deliver right now.
        if (lines.length > 0 || finishedSteps.length > 0 || Date.now() >= deadline) break;
        const timeLeft = deadline - Date.now();
        const waitCtl = new AbortController();
        const stopWait = () => waitCtl.abort();
        ac.signal.addEventListener('abort', stopWait, { once: true });
        await Promise.race([
          this.source.waitChange(pos.namespace, pos.job, pos.workflow || undefined, since, waitCtl.signal),
          ...(waitOn ? [waitOn] : []),
          sleep(timeLeft, waitCtl.signal),
        ]);
        waitCtl.abort();
        ac.signal.removeEventListener('abort', stopWait);
      }
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (eof) current = undefined;
    if (!opts.oneStep) this.recordProgress(pos, eof, logsRecord);
    const res: FetchResult = { lines, token: encodeToken(pos), position: pos, eof, jobPhase, workflow: pos.workflow, finishedSteps };
    if (current) res.step = current;
    const failed = finishedSteps.filter((s) => s.phase === 'Failed' || s.phase === 'Error');
    if (!message && failed.length > 0) message = failed.map(failureText).join('; ');
    if (message) res.message = message;
    return res;
  }

  /** What to do at the token's position, from the cached state only. */
  private decide(st: JobState, pos: FetchPosition, oneStep: boolean): Decision {
    const job = st.job!;
    const phase = job.status?.phase;
    if (!pos.workflow) {
      return isFinished(phase) ? { kind: 'eof', message: job.status?.message ?? `job ${phase} before its workflow was created` } : { kind: 'wait' };
    }
    const wf = st.workflow;
    if (!wf) {
      return isFinished(phase)
        ? { kind: 'eof', message: `workflow ${pos.namespace}/${pos.workflow} no longer exists; the logs of steps not yet delivered are gone` }
        : { kind: 'wait' };
    }
    const steps = workflowSteps(wf, st.pods);
    // By index, not position: a DAG's later statement can have its node before an earlier one does.
    let step = steps.find((s) => s.index === pos.step);
    if (pos.nodeID && step?.nodeID !== pos.nodeID) {
      // Raw workflows index steps by start order; follow the node, not the index.
      const found = steps.find((s) => s.nodeID === pos.nodeID);
      if (found) {
        pos.step = found.index;
        step = found;
      } else if (step) {
        this.log.warn('step of a fetch token is not in the workflow any more; continuing with the step at its index', {
          workflow: pos.workflow, nodeID: pos.nodeID, index: pos.step,
        });
        pos.nodeID = step.nodeID;
        pos.cursor = { ...START_CURSOR };
      }
    }
    if (!step) {
      if (!workflowCompleted(wf)) return { kind: 'wait' };
      // A completed DAG may never have made a node for a statement (a failed branch stops before it): go on.
      const later = oneStep ? undefined : steps.find((s) => s.index > pos.step);
      if (!later) return { kind: 'eof', workflow: wf };
      pos.step = later.index;
      pos.nodeID = '';
      pos.cursor = { ...START_CURSOR };
      step = later;
    }
    if (!pos.nodeID) pos.nodeID = step.nodeID;
    if (step.phase === 'Skipped' || step.phase === 'Omitted') return { kind: 'skip', step };
    const pod = st.pods.find((p) => p.metadata?.annotations?.[NODE_ID_ANNOTATION] === step.nodeID);
    if (!pod) {
      if (nodeDone(step.phase) || workflowCompleted(wf)) return { kind: 'read', step, pod: missingPod(step) };
      return { kind: 'wait' };
    }
    return { kind: 'read', step, pod };
  }

  private async readStep(
    pos: FetchPosition, pod: PodObj, terminated: boolean, stepDone: boolean, budget: number, deadline: number, signal: AbortSignal,
  ): Promise<ReadOutcome> {
    const name = pod.metadata?.name ?? '';
    if (name === '') return { lines: [], drained: false, gone: true };
    const target = { namespace: pos.namespace, pod: name, podUID: pod.metadata?.uid ?? '', container: MAIN_CONTAINER };
    let r = this.cache ? this.cache.take(target, pos.cursor) : undefined;
    if (r && r.exhausted() && !this.canDrain(r, terminated, stepDone)) {
      r.close();
      r = undefined;
    }
    let limit = this.cache ? undefined : pos.cursor.bytes + Math.max(budget, 4096) + 64 * 1024;
    for (let attempt = 0; ; attempt++) {
      if (!r) {
        try {
          r = await LogReader.open(this.kc, { ...target, cursor: pos.cursor, follow: this.cache !== false && !terminated, ...(limit !== undefined ? { limitBytes: limit } : {}) });
          (r as ReaderWithState).openedTerminated = terminated;
        } catch (err) {
          if (err instanceof PodLogError) {
            if (err.waiting) return { lines: [], drained: false };
            if (err.code === 404) return { lines: [], drained: false, gone: true };
          }
          this.log.warn('reading a step log failed', { pod: `${pos.namespace}/${name}`, err: describeError(err) });
          return { lines: [], drained: false, error: `reading the log of pod ${name} failed: ${describeError(err)}; retrying`, waitOn: sleep(1000, signal) };
        }
        await this.firstData(r, budget, deadline, signal);
      } else if (!r.follow && r.queuedBytes() < budget && !r.ended && !r.isPaused()) {
        // A finite answer still arriving (a parked reader of a terminated container): its bytes are on the way.
        await this.firstData(r, budget, deadline, signal);
      }
      const got = r.take(budget);
      if (got.length === 0 && r.exhausted() && r.cut && !r.error && limit !== undefined && attempt < 30) {
        // A single line longer than the limit: grow the limit for this read so it still progresses.
        r.close();
        r = undefined;
        limit *= 2;
        continue;
      }
      let drained = false;
      if (r.exhausted() && this.canDrain(r, terminated, stepDone)) {
        const frag = r.takeFragment();
        if (frag) got.push(frag);
        drained = true;
      }
      const cursor = r.cursor();
      if (drained) {
        r.close();
        return { lines: got, cursor, drained };
      }
      if (r.exhausted()) {
        // The answer ended but the container is not known to be terminated (a broken stream, or a status update
        // still on its way): open a fresh one at the new position later.
        // When the container is known to have ended, the awaited change is the node's status: wait for the watch.
        const pause = terminated && !r.error ? undefined : sleep(r.error ? 1000 : 200, signal);
        r.close();
        return { lines: got, cursor, drained: false, ...(pause ? { waitOn: pause } : {}) };
      }
      const waitOn = r.changed(signal);
      if (this.cache) this.cache.put(r);
      else r.close();
      return { lines: got, cursor, drained: false, waitOn };
    }
  }

  /** The reader's end is the log's end: it ended cleanly, was not cut, and the container had terminated. */
  private canDrain(r: LogReader, terminatedNow: boolean, stepDone: boolean): boolean {
    if (!r.ended || r.error || r.cut || !stepDone) return false;
    return r.follow ? terminatedNow : ((r as ReaderWithState).openedTerminated ?? false);
  }

  /**
   * After a fresh open, wait for what is already logged: a finite answer (not follow) until it ended or holds a full
   * budget — taking only its first chunk would re-read the skipped lines on the next call for a few bytes — and a
   * live stream until its first new line, with a short grace when nothing new comes.
   */
  private async firstData(r: LogReader, budget: number, deadline: number, signal: AbortSignal): Promise<void> {
    const hardStop = Date.now() + 30_000;
    let lastBytes = -1;
    const enough = () => (r.follow ? r.available() > 0 : r.queuedBytes() >= budget || r.isPaused());
    while (!enough() && !r.ended && !signal.aborted && Date.now() < hardStop) {
      // A live stream with nothing new stops sending; give it a short grace (longer if the caller waits anyway).
      if (r.follow && r.bytesRead === lastBytes) break;
      lastBytes = r.bytesRead;
      const grace = r.follow ? Math.max(150, Math.min(1000, deadline - Date.now())) : 30_000;
      const stop = new AbortController();
      const both = AbortSignal.any([signal, stop.signal]);
      await Promise.race([r.nextChange(both), sleep(grace, both)]);
      stop.abort();
    }
  }

  private finishStep(pos: FetchPosition, step: Step, st: JobState, finished: StepInfo[]): void {
    finished.push(stepInfo(step, st));
    pos.step = step.index + 1;
    pos.nodeID = '';
    pos.cursor = { ...START_CURSOR };
  }

  /** Confirms with the apiserver (not the cache, which may lag) that the step's pod is gone. */
  private async podGone(namespace: string, workflow: string, nodeID: string): Promise<boolean> {
    try {
      const list = await this.kube.list<PodObj>(core('pods', namespace), { labelSelector: `${WORKFLOW_LABEL}=${workflow}` });
      return !list.items.some((p) => p.metadata?.annotations?.[NODE_ID_ANNOTATION] === nodeID);
    } catch (err) {
      this.log.warn('checking whether a step pod exists failed', { namespace, workflow, err: describeError(err) });
      return false;
    }
  }

  private cacheDropPod(namespace: string, pod: string): void {
    if (this.cache && pod) this.cache.dropPod(namespace, pod);
  }

  private recordProgress(pos: FetchPosition, eof: boolean, current: LogsStatus | undefined): void {
    if (!this.status || !pos.workflow) return;
    this.status.record(
      pos.namespace,
      pos.job,
      { step: pos.step, cursor: formatStatusCursor(pos.nodeID, pos.cursor), linesDelivered: pos.lines, complete: eof },
      current,
    );
  }
}

interface ReaderWithState extends LogReader {
  openedTerminated?: boolean;
}

/** A stand-in for a step whose pod is not there: reading it yields "gone". */
function missingPod(step: Step): PodObj {
  return { metadata: { name: '', annotations: { [NODE_ID_ANNOTATION]: step.nodeID } } } as PodObj;
}

function stepCount(st: JobState, steps: number): number {
  return Math.max(st.workflow ? (plannedStepCount(st.workflow) ?? 0) : 0, st.job?.status?.stepCount ?? 0, steps);
}

function stepInfo(step: Step, st: JobState): StepInfo {
  const n = st.workflow ? workflowSteps(st.workflow, st.pods).length : 0;
  const info: StepInfo = { index: step.index, count: stepCount(st, n), name: step.name, nodeID: step.nodeID, phase: step.phase };
  if (countKnown(st)) info.countKnown = true;
  if (step.podName) info.podName = step.podName;
  if (step.exitCode !== undefined) info.exitCode = step.exitCode;
  if (step.message) info.message = step.message;
  if (step.phase === 'Pending') {
    const pod = st.pods.find((p) => p.metadata?.annotations?.[NODE_ID_ANNOTATION] === step.nodeID);
    if (pod) info.waiting = podWaitReason({ name: pod.metadata?.name ?? '', ...(pod.status as Omit<PodWaitView, 'name'> | undefined) });
  }
  return info;
}

function currentStep(st: JobState, pos: FetchPosition): StepInfo | undefined {
  if (!st.workflow) return undefined;
  const steps = workflowSteps(st.workflow, st.pods);
  const s = steps.find((x) => x.index === pos.step);
  if (s) return stepInfo(s, st);
  // The gap before Argo creates the next node: the step is known only by its index.
  const count = stepCount(st, steps.length);
  return pos.step < count ? { index: pos.step, count, name: '', nodeID: '', phase: 'Pending', ...(countKnown(st) ? { countKnown: true } : {}) } : undefined;
}

function countKnown(st: JobState): boolean {
  return st.workflow !== undefined && (plannedStepCount(st.workflow) !== undefined || workflowCompleted(st.workflow));
}

function deletedNotice(step: Step, st: JobState): string {
  const n = stepCount(st, st.workflow ? workflowSteps(st.workflow, st.pods).length : 0);
  const why = step.message ? ` (step message: ${step.message})` : '';
  return `sqlflow: step ${step.index + 1}/${n} (${step.name}): its pod was deleted before its log was read to the end; the rest of its output is lost${why}`;
}

function failureText(s: StepInfo): string {
  const code = s.exitCode !== undefined ? ` with exit code ${s.exitCode}` : '';
  return `step ${s.index + 1}/${s.count} (${s.name}) ${s.phase === 'Error' ? 'errored' : 'failed'}${code}${s.message ? `: ${s.message}` : ''}`;
}

export type { PodLike };
