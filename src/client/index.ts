// The library API, mirroring the original SQLFlow's pkg/argo: submit a workflow or run a program as a SQLFlowJob,
// then fetch its logs with a token, again and again, until eof. Everything goes through the Kubernetes API with the
// USER's kubeconfig (no SQLFlow API server needed) and the same Fetch core the server uses; the user therefore
// needs get on sqlflowjobs, workflows and pods, and get on pods/log, in the namespace (create for run/submit, patch
// for cancel). Recording progress in status.logs needs patch on sqlflowjobs/status; without it, it is skipped.
import type { KubeConfig } from '@kubernetes/client-node';
import { isFinished } from '../api/job.ts';
import { decodeToken, encodeToken, START_CURSOR, type FetchPosition } from '../api/token.ts';
import { ReaderCache } from '../fetch/cache.ts';
import { Fetcher, type FetchOptions as CoreFetchOptions, type FetchResult as OrderedFetchResult } from '../fetch/fetch.ts';
import { fetchInterleaved, type InterleavedResult } from '../fetch/interleave.ts';
import { decodeInterleaved, encodeInterleaved, fromPosition, isInterleavedToken } from '../api/interleave_token.ts';
import { JobSource } from '../fetch/source.ts';
import { StatusRecorder } from '../fetch/status.ts';
import { currentNamespace, loadKubeConfig } from '../kube/client.ts';
import { type Logger, silentLogger } from '../kube/logger.ts';
import { Resources } from '../kube/resources.ts';
import { checkProgram } from '../sql/parse.ts';
import type { ScheduleKind } from '../workflow/options.ts';
import { cancelJob, createJob, getJob, listJobs, summarize, type JobSummary, type RunSpec } from './jobs.ts';

export { RunSpecError, type JobSummary, type RunSpec } from './jobs.ts';

export interface FetchOptions extends Omit<CoreFetchOptions, 'oneStep'> {
  /**
   * Interleave the live output of steps running at once, each line with its step (FetchedLine.step), instead of
   * program order. The token returned keeps the mode ("i1." tokens); a program-order token switches exactly.
   */
  interleave?: boolean;
}

/** Program order (position: one step's cursor) or interleaved (position: every running step's cursor). */
export type FetchResult = OrderedFetchResult | InterleavedResult;

export interface ClientOptions {
  /** A ready KubeConfig; else loaded like kubectl (--kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config). */
  kc?: KubeConfig;
  kubeconfig?: string;
  context?: string;
  /** Default namespace (else the kubeconfig context's). */
  namespace?: string;
  logger?: Logger;
}

export interface SubmitOptions {
  namespace?: string;
  /** Job name; default generated (sqlflow-xxxxx). */
  name?: string;
  /** How long to wait for the operator to create the workflow (default 30 s). */
  waitSeconds?: number;
}

export interface RunOptions extends SubmitOptions {
  /** Secret key with the datasource connection string. */
  datasource?: { name: string; key: string };
  image?: string;
  /** Sequential (the default: one statement after another) or DAG (independent statements at once). */
  schedule?: ScheduleKind;
  /** Most step pods running at once; unset: no limit. */
  parallelism?: number;
}

/** A submitted job: the original SQLFlow's Job{id, namespace}, plus what Fetch needs. */
export interface Job {
  namespace: string;
  /** The SQLFlowJob's name. */
  name: string;
  uid: string;
  /** The Argo Workflow's name, the original SQLFlow's job ID (e.g. steps-xxxxx). */
  workflow: string;
  phase: string;
  /** Start token for fetch(). */
  token: string;
}

export class SQLFlowError extends Error {
  override readonly name = 'SQLFlowError';
}

export class SQLFlowClient {
  readonly kc: KubeConfig;
  readonly namespace: string;
  private readonly kube: Resources;
  private readonly cache = new ReaderCache();
  private readonly status: StatusRecorder;
  private readonly sources = new Map<string, Promise<JobSource>>();
  private readonly fetchers = new Map<string, Fetcher>();
  private readonly log: Logger;

  constructor(o: ClientOptions = {}) {
    this.kc = o.kc ?? loadKubeConfig({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}) }).kc;
    this.namespace = o.namespace ?? currentNamespace(this.kc, {});
    this.kube = new Resources(this.kc);
    this.log = o.logger ?? silentLogger;
    this.status = new StatusRecorder(this.kube, { logger: this.log });
  }

  /** Runs an Argo Workflow manifest (YAML or JSON text, or an object) as a SQLFlowJob. */
  async submit(argoYAML: string | Record<string, unknown>, opts: SubmitOptions = {}): Promise<Job> {
    return this.start({ namespace: opts.namespace ?? this.namespace, workflow: argoYAML, ...(opts.name ? { name: opts.name } : {}) }, opts.waitSeconds);
  }

  /** Runs a SQLFlow program; a program with syntax errors is refused here, before anything is created. */
  async run(sql: string, opts: RunOptions = {}): Promise<Job> {
    const { errors } = checkProgram(sql);
    if (errors.length > 0) throw new SQLFlowError(`the program has errors:\n${errors.map((e) => e.format('<program>')).join('\n')}`);
    const spec: RunSpec = { namespace: opts.namespace ?? this.namespace, sql };
    if (opts.name) spec.name = opts.name;
    if (opts.datasource) spec.datasource = opts.datasource;
    if (opts.image) spec.image = opts.image;
    if (opts.schedule !== undefined) spec.schedule = opts.schedule;
    if (opts.parallelism !== undefined) spec.parallelism = opts.parallelism;
    return this.start(spec, opts.waitSeconds);
  }

  /** The next lines after the token's position, and the token to continue with. */
  async fetch(token: string, opts: FetchOptions = {}): Promise<FetchResult> {
    const { interleave, ...o } = opts;
    if (isInterleavedToken(token)) {
      const ip = decodeInterleaved(token);
      return fetchInterleaved(await this.fetcher(ip.namespace, ip.job), ip, o);
    }
    const pos = decodeToken(token);
    const f = await this.fetcher(pos.namespace, pos.job);
    return interleave ? fetchInterleaved(f, fromPosition(pos), o) : f.fetch(pos, o);
  }

  /** Fetch a job by name: from its status.logs record ('record', the default) or from the beginning. */
  async fetchJob(name: string, opts: FetchOptions & { namespace?: string; from?: 'record' | 'beginning' } = {}): Promise<FetchResult> {
    const ns = opts.namespace ?? this.namespace;
    const f = await this.fetcher(ns, name);
    const { interleave, from, namespace: _ns, ...o } = opts;
    const pos = f.startPosition(ns, name, from ?? 'record');
    return interleave ? fetchInterleaved(f, fromPosition(pos), o) : f.fetch(pos, o);
  }

  /** Every response until eof (long polls of waitSeconds, default 20). */
  async *follow(token: string, opts: FetchOptions = {}): AsyncGenerator<FetchResult> {
    for (;;) {
      const r = await this.fetch(token, { waitSeconds: 20, ...opts });
      yield r;
      if (r.eof || opts.signal?.aborted) return;
      token = r.token;
    }
  }

  /** The start token of a job by name (from the beginning, or from its status.logs record). */
  async tokenFor(name: string, opts: { namespace?: string; from?: 'record' | 'beginning'; interleave?: boolean } = {}): Promise<string> {
    const ns = opts.namespace ?? this.namespace;
    const f = await this.fetcher(ns, name);
    const pos = f.startPosition(ns, name, opts.from ?? 'beginning');
    return opts.interleave ? encodeInterleaved(fromPosition(pos)) : encodeToken(pos);
  }

  async get(name: string, namespace = this.namespace): Promise<JobSummary> {
    return summarize(await getJob(this.kube, namespace, name));
  }

  async list(namespace = this.namespace): Promise<JobSummary[]> {
    return (await listJobs(this.kube, namespace)).map((j) => summarize(j));
  }

  async cancel(name: string, namespace = this.namespace): Promise<JobSummary> {
    return summarize(await cancelJob(this.kube, namespace, name));
  }

  async close(): Promise<void> {
    await this.status.flush();
    this.cache.close();
    const all = [...this.sources.values()];
    this.sources.clear();
    await Promise.all(all.map(async (s) => (await s).stop().catch(() => {})));
  }

  private async start(spec: RunSpec, waitSeconds = 30): Promise<Job> {
    const created = await createJob(this.kube, spec);
    const name = created.metadata.name ?? '';
    const deadline = Date.now() + waitSeconds * 1000;
    let job = created;
    while (!job.status?.workflowName) {
      if (isFinished(job.status?.phase)) {
        throw new SQLFlowError(`SQLFlowJob ${spec.namespace}/${name} ended ${job.status?.phase} before a workflow was created: ${job.status?.message ?? 'no message'}`);
      }
      if (Date.now() > deadline) {
        throw new SQLFlowError(`SQLFlowJob ${spec.namespace}/${name} was created but no workflow appeared within ${waitSeconds} s: is the sqlflow operator running?`);
      }
      await new Promise((r) => setTimeout(r, 200));
      job = await getJob(this.kube, spec.namespace, name);
    }
    const pos: FetchPosition = {
      namespace: spec.namespace, job: name, uid: job.metadata.uid ?? '', workflow: job.status.workflowName, step: 0, nodeID: '', cursor: { ...START_CURSOR }, lines: 0,
    };
    return { namespace: spec.namespace, name, uid: pos.uid, workflow: pos.workflow, phase: job.status.phase ?? 'Pending', token: encodeToken(pos) };
  }

  /** A Fetcher over informers scoped to this one job (so the user needs only namespace-level rights). */
  private async fetcher(namespace: string, name: string): Promise<Fetcher> {
    const key = `${namespace}/${name}`;
    let src = this.sources.get(key);
    if (!src) {
      const s = new JobSource(this.kc, { namespace, job: name }, this.log);
      src = s.start().then(() => s);
      this.sources.set(key, src);
      src.catch(() => this.sources.delete(key));
    }
    const source = await src;
    let f = this.fetchers.get(key);
    if (!f) this.fetchers.set(key, (f = new Fetcher({ kc: this.kc, source, cache: this.cache, status: this.status, logger: this.log })));
    return f;
  }
}

/** One-shot helpers: a client per call (use SQLFlowClient to keep informers and readers between calls). */
async function withClient<T>(opts: ClientOptions, fn: (c: SQLFlowClient) => Promise<T>): Promise<T> {
  const c = new SQLFlowClient(opts);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

export function submit(argoYAML: string | Record<string, unknown>, opts: SubmitOptions & ClientOptions = {}): Promise<Job> {
  return withClient(opts, (c) => c.submit(argoYAML, opts));
}

export function run(sql: string, opts: RunOptions & ClientOptions = {}): Promise<Job> {
  return withClient(opts, (c) => c.run(sql, opts));
}

export function fetch(token: string, opts: FetchOptions & ClientOptions = {}): Promise<FetchResult> {
  return withClient(opts, (c) => c.fetch(token, opts));
}
