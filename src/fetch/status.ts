// Records Fetch's progress in the job's status.logs (merge patch on /status), so `kubectl get sfj` shows it and a
// client without a token can resume from the job's own record.
//
// Throttled per job: written at once when the step changes or delivery completes, otherwise at most every
// `intervalMs` (a trailing write makes sure the last progress lands). Only progress is recorded: a client behind the
// recorded position (e.g. a second reader starting from the beginning) never moves the record back.
import { GROUP, PLURAL, VERSION, type LogsStatus } from '../api/job.ts';
import { describeError, statusCode } from '../kube/errors.ts';
import { type Logger, silentLogger } from '../kube/logger.ts';
import { mergePatchCustomStatus } from '../kube/patch.ts';
import type { Resources } from '../kube/resources.ts';

export interface LogProgress {
  step: number;
  cursor: string;
  linesDelivered: number;
  complete: boolean;
}

interface Pending {
  progress: LogProgress;
  written: LogProgress | undefined;
  lastWrite: number;
  timer: NodeJS.Timeout | undefined;
  writing: Promise<void> | undefined;
}

export class StatusRecorder {
  private readonly api: Resources;
  private readonly intervalMs: number;
  private readonly log: Logger;
  private readonly jobs = new Map<string, Pending>();
  private disabled = false;
  readonly stats = { writes: 0, failures: 0 };

  constructor(api: Resources, opts: { intervalMs?: number; logger?: Logger } = {}) {
    this.api = api;
    this.intervalMs = opts.intervalMs ?? 3_000;
    this.log = opts.logger ?? silentLogger;
  }

  /** `current` is status.logs as last seen (from the cache), so a lagging client does not overwrite progress. */
  record(namespace: string, name: string, p: LogProgress, current: LogsStatus | undefined): void {
    if (this.disabled) return;
    if (current && !ahead(p, current)) return;
    const key = `${namespace}/${name}`;
    let st = this.jobs.get(key);
    if (!st) this.jobs.set(key, (st = { progress: p, written: undefined, lastWrite: 0, timer: undefined, writing: undefined }));
    if (st.written && !ahead(p, st.written)) return;
    st.progress = p;
    const urgent = p.complete || st.written === undefined || p.step !== st.written.step;
    const wait = urgent ? 0 : Math.max(0, st.lastWrite + this.intervalMs - Date.now());
    if (wait === 0) {
      this.flushOne(namespace, name, st);
    } else if (!st.timer) {
      st.timer = setTimeout(() => {
        st.timer = undefined;
        this.flushOne(namespace, name, st);
      }, wait);
      st.timer.unref();
    }
  }

  /** Writes everything pending now (on shutdown). */
  async flush(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const [key, st] of this.jobs) {
      if (st.timer) {
        clearTimeout(st.timer);
        st.timer = undefined;
        const [ns, name] = key.split('/') as [string, string];
        this.flushOne(ns, name, st);
      }
      if (st.writing) all.push(st.writing);
    }
    await Promise.all(all);
  }

  /**
   * A reader that stops before the end (a client gone away) would leave its job's entry here for ever: once a whole
   * interval passes with nothing new, the entry goes. The cache's status.logs then holds back stale writes instead.
   */
  private forgetWhenIdle(key: string, st: Pending): void {
    const wrote = st.lastWrite;
    const t = setTimeout(() => {
      if (this.jobs.get(key) === st && st.lastWrite === wrote && !st.timer && !st.writing) this.jobs.delete(key);
    }, 2 * this.intervalMs);
    t.unref();
  }

  /** Jobs with progress held here (bounded by the readers active in the last few seconds). */
  tracked(): number {
    return this.jobs.size;
  }

  private flushOne(namespace: string, name: string, st: Pending): void {
    if (st.writing) {
      // One write at a time per job; the next one picks up the newest progress.
      if (!st.timer) {
        st.timer = setTimeout(() => {
          st.timer = undefined;
          this.flushOne(namespace, name, st);
        }, 50);
        st.timer.unref();
      }
      return;
    }
    const p = st.progress;
    if (st.written && !ahead(p, st.written)) return;
    st.lastWrite = Date.now();
    const logs: LogsStatus = { ...p, updatedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') };
    st.writing = mergePatchCustomStatus(this.api, { group: GROUP, version: VERSION, plural: PLURAL, namespace, name }, { logs }, 'sqlflow-fetch')
      .then(() => {
        st.written = p;
        this.stats.writes++;
      })
      .catch((err: unknown) => {
        this.stats.failures++;
        const code = statusCode(err);
        if (code === 403) {
          // A library user may read logs without the right to write status: fine, just stop trying.
          this.disabled = true;
          this.log.info('not recording log progress in job status: no permission to patch sqlflowjobs/status', { job: `${namespace}/${name}` });
        } else if (code === 404) {
          this.jobs.delete(`${namespace}/${name}`);
        } else {
          this.log.warn('recording log progress in job status failed', { job: `${namespace}/${name}`, err: describeError(err) });
        }
      })
      .finally(() => {
        st.writing = undefined;
        if (p.complete) this.jobs.delete(`${namespace}/${name}`);
        else this.forgetWhenIdle(`${namespace}/${name}`, st);
      });
  }
}

function ahead(p: LogProgress, than: { step?: number; linesDelivered?: number; complete?: boolean; cursor?: string }): boolean {
  if (than.complete) return false;
  if (p.complete) return true;
  const s = than.step ?? -1;
  if (p.step !== s) return p.step > s;
  return p.linesDelivered > (than.linesDelivered ?? -1);
}
