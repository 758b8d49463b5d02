// What `run`, `logs`, `get` and `cancel` talk to: the Kubernetes API with the user's kubeconfig (the library), or a
// SQLFlow API server (--server URL, Connect protocol, bearer token). Both answer in the same shapes, and the
// follow loop (live step line on a terminal, plain lines otherwise) is shared.
import { createClient, type Client, ConnectError } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { isFinished } from '../api/job.ts';
import { tokenJob } from '../api/interleave_token.ts';
import { SQLFlowClient, type FetchResult } from '../client/index.ts';
import type { JobSummary, RunSpec } from '../client/jobs.ts';
import type { StepInfo } from '../fetch/fetch.ts';
import { loadKubeConfig } from '../kube/client.ts';
import { core, Resources } from '../kube/resources.ts';
import { SQLFlowService, type FetchResponse, type Job as PbJob, type StepInfo as PbStep } from '../gen/sqlflow/v1/sqlflow_pb.ts';
import { processIo, UsageError, type Io } from './io.ts';
import { stepLabel, waitingText, type PodWaitView } from './waiting.ts';
import { TableView, type TableMode } from './table_view.ts';

export interface FetchView {
  lines: { step: number; text: string; time?: string; notice?: boolean }[];
  token: string;
  eof: boolean;
  jobPhase: string;
  step?: StepInfo;
  finishedSteps: StepInfo[];
  message?: string;
}

export type FetchFrom = { token: string } | { name: string; from: 'record' | 'beginning' };

export interface FetchFlags {
  waitSeconds: number;
  timestamps: boolean;
  maxBytes?: number;
  /** Concurrent steps' lines as they come (an "i1." token); a program-order token switches over exactly. */
  interleave?: boolean;
}

export interface Backend {
  namespace: string;
  run(spec: RunSpec): Promise<{ job: JobSummary; token: string }>;
  fetch(from: FetchFrom, o: FetchFlags): Promise<FetchView>;
  get(name: string, namespace?: string): Promise<JobSummary>;
  list(): Promise<JobSummary[]>;
  cancel(name: string): Promise<JobSummary>;
  /** A step pod's waiting state, where the backend can read pods (the Kubernetes API); undefined otherwise. */
  pod(namespace: string, name: string): Promise<PodWaitView | undefined>;
  close(): Promise<void>;
}

export interface ConnectionFlags {
  server?: string;
  'auth-token'?: string;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export const CONNECTION_FLAGS = {
  server: { type: 'string' },
  'auth-token': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
} as const;

export const CONNECTION_HELP = `  -n, --namespace NS          namespace (default: the kubeconfig context's)
      --kubeconfig FILE       kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
      --context NAME          kubeconfig context
      --server URL            talk to a SQLFlow API server (Connect) instead of the Kubernetes API
      --auth-token TOKEN      bearer token for --server (default: $SQLFLOW_AUTH_TOKEN, else the kubeconfig user's token)
`;

export function openBackend(f: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Backend {
  if (f.server) return new ServerBackend(f, env);
  const kc = loadKubeConfig({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }).kc;
  const client = new SQLFlowClient({ kc, ...(f.namespace ? { namespace: f.namespace } : {}) });
  return {
    namespace: client.namespace,
    run: async (spec) => {
      const job = spec.sql !== undefined
        ? await client.run(spec.sql, { namespace: spec.namespace, ...(spec.name ? { name: spec.name } : {}), ...(spec.datasource ? { datasource: spec.datasource } : {}), ...(spec.image ? { image: spec.image } : {}), ...(spec.schedule ? { schedule: spec.schedule } : {}), ...(spec.parallelism ? { parallelism: spec.parallelism } : {}) })
        : await client.submit(spec.workflow ?? '', { namespace: spec.namespace, ...(spec.name ? { name: spec.name } : {}) });
      return { job: await client.get(job.name, job.namespace), token: job.token };
    },
    fetch: async (from, o) => {
      const opts = { waitSeconds: o.waitSeconds, timestamps: o.timestamps, ...(o.maxBytes ? { maxBytes: o.maxBytes } : {}), ...(o.interleave ? { interleave: true } : {}) };
      const r: FetchResult = 'token' in from ? await client.fetch(from.token, opts) : await client.fetchJob(from.name, { ...opts, from: from.from });
      return r;
    },
    get: (name, ns) => client.get(name, ns),
    list: () => client.list(),
    cancel: (name) => client.cancel(name),
    pod: async (namespace, name) => {
      const p = await new Resources(client.kc).get<{ status?: Omit<PodWaitView, 'name'> }>({ ...core('pods', namespace), name });
      return { name, ...p.status };
    },
    close: () => client.close(),
  };
}

class ServerBackend implements Backend {
  readonly namespace: string;
  private readonly client: Client<typeof SQLFlowService>;
  private readonly headers: Record<string, string>;

  constructor(f: ConnectionFlags, env: NodeJS.ProcessEnv) {
    let token = f['auth-token'] ?? env.SQLFLOW_AUTH_TOKEN;
    let ns = f.namespace;
    if (!token || !ns) {
      try {
        const kc = loadKubeConfig({ ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}), ...(f.context ? { context: f.context } : {}) }).kc;
        token ??= kc.getCurrentUser()?.token;
        ns ??= kc.getContextObject(kc.getCurrentContext())?.namespace;
      } catch {
        // no kubeconfig: fine with --auth-token and -n
      }
    }
    this.namespace = ns || 'default';
    this.headers = token ? { Authorization: `Bearer ${token}` } : {};
    this.client = createClient(SQLFlowService, createConnectTransport({ baseUrl: f.server!, httpVersion: '1.1' }));
  }

  async run(spec: RunSpec) {
    const program = spec.sql !== undefined
      ? { case: 'sql' as const, value: spec.sql }
      : { case: 'workflowYaml' as const, value: typeof spec.workflow === 'string' ? spec.workflow : JSON.stringify(spec.workflow) };
    const r = await this.client.run({
      namespace: spec.namespace, name: spec.name ?? '', program, image: spec.image ?? '',
      datasourceSecret: spec.datasource ? `${spec.datasource.name}:${spec.datasource.key}` : '', waitSeconds: 30,
      schedule: spec.schedule ?? '', parallelism: spec.parallelism ?? 0,
    }, { headers: this.headers });
    return { job: fromPbJob(r.job), token: r.token };
  }

  async fetch(from: FetchFrom, o: FetchFlags): Promise<FetchView> {
    const r = await this.client.fetch({
      ...('token' in from ? { token: from.token } : { job: { namespace: this.namespace, name: from.name }, fromBeginning: from.from === 'beginning' }),
      waitSeconds: o.waitSeconds, timestamps: o.timestamps, maxBytes: o.maxBytes ?? 0, interleave: o.interleave ?? false,
    }, { headers: this.headers, timeoutMs: (o.waitSeconds + 30) * 1000 });
    return fromPbFetch(r);
  }

  async get(name: string, namespace = this.namespace) {
    return fromPbJob((await this.client.get({ namespace, name }, { headers: this.headers })).job);
  }

  async list(): Promise<JobSummary[]> {
    throw new Error('listing jobs is not part of the API; name a job, or use the Kubernetes API (drop --server)');
  }

  async cancel(name: string) {
    return fromPbJob((await this.client.cancel({ namespace: this.namespace, name }, { headers: this.headers })).job);
  }

  async pod(): Promise<undefined> {
    return undefined; // the API does not expose pods
  }

  async close() {}
}

function fromPbStep(s: PbStep): StepInfo {
  return {
    index: s.index, count: s.count, name: s.name, nodeID: s.nodeId, phase: s.phase, ...(s.countKnown ? { countKnown: true } : {}),
    ...(s.podName ? { podName: s.podName } : {}), ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}), ...(s.message ? { message: s.message } : {}),
    ...(s.waiting ? { waiting: s.waiting } : {}),
  };
}

function fromPbJob(j: PbJob | undefined): JobSummary {
  if (!j) throw new Error('the server answered without a job');
  return {
    namespace: j.namespace, name: j.name, uid: j.uid, workflow: j.workflow, phase: j.phase, message: j.message, progress: j.progress,
    stepCount: j.stepCount, steps: j.steps.map(fromPbStep), createdAt: j.createdAt, startedAt: j.startedAt, finishedAt: j.finishedAt,
  };
}

function fromPbFetch(r: FetchResponse): FetchView {
  return {
    lines: r.lines.map((l) => ({ step: l.step, text: l.text, ...(l.time ? { time: l.time } : {}), ...(l.notice ? { notice: true } : {}) })),
    token: r.token, eof: r.eof, jobPhase: r.jobPhase,
    ...(r.step ? { step: fromPbStep(r.step) } : {}),
    finishedSteps: r.finishedSteps.map(fromPbStep),
    ...(r.message ? { message: r.message } : {}),
  };
}

/** A one-line description of an error for stderr. */
export function errorText(e: unknown): string {
  if (e instanceof ConnectError) return e.rawMessage;
  return e instanceof Error ? e.message : String(e);
}

export interface StreamOptions {
  follow: boolean;
  timestamps: boolean;
  /** Live step line on stderr (only when it is a terminal). */
  live: boolean;
  /**
   * While following, say on stderr what is awaited once nothing moved for this long (default: the
   * SQLFLOW_WAIT_NOTICE_SECONDS environment variable, else 10 s).
   */
  waitNoticeMs?: number;
  /** Tables the steps print: aligned (terminal), json (JSON Lines for every line) or raw lines (default). */
  tables?: TableMode;
  /**
   * Concurrent steps' lines as they come, each labelled "[step-N] " (json: its "step" field) — tables are not
   * aligned then, as another step's line may cut into one. Default: program order, unlabelled.
   */
  interleave?: boolean;
}

/** The label of an interleaved line: the step's 1-based number, as a program's step names go (step-1, step-2, …). */
export function interleavedLine(l: { step: number; text: string; time?: string }): string {
  return `[step-${l.step + 1}] ${l.time ? `${l.time} ` : ''}${l.text}\n`;
}

function defaultWaitNoticeMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.SQLFLOW_WAIT_NOTICE_SECONDS);
  return env.SQLFLOW_WAIT_NOTICE_SECONDS !== undefined && Number.isFinite(v) && v >= 0 ? v * 1000 : 10_000;
}

/**
 * --output text|json → how tables are shown. Unset: aligned on a terminal, the step's raw lines into a pipe (so a
 * script sees exactly what the step printed); `text` asks for aligned tables wherever stdout goes.
 */
export function tableMode(output: string | undefined, io: Io): TableMode {
  if (output === 'json') return 'json';
  if (output === 'text') return 'aligned';
  if (output !== undefined) throw new UsageError(`--output ${JSON.stringify(output)}: expected text or json`);
  return io === processIo && process.stdout.isTTY === true ? 'aligned' : 'raw';
}

export interface StreamOutcome {
  eof: boolean;
  token: string;
  jobPhase: string;
  failed: boolean;
}

/**
 * Prints logs from `from`: to the end (follow) or as far as they go now. Lines go to stdout; step transitions,
 * failures and the live step line to stderr.
 */
export async function streamLogs(b: Backend, from: FetchFrom, io: Io, o: StreamOptions): Promise<StreamOutcome> {
  const started = Date.now();
  let status = '';
  const clear = () => {
    if (o.live && status) io.stderr('\r\x1b[K');
  };
  const draw = (v: FetchView) => {
    if (!o.live) return;
    const s = v.step;
    const secs = Math.floor((Date.now() - started) / 1000);
    const elapsed = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
    status = s ? `${stepLabel(s, seen)} ${s.phase}  ${elapsed}` : `${v.jobPhase}  ${elapsed}`;
    io.stderr(`\r\x1b[K${status}`);
  };
  let ticker: NodeJS.Timeout | undefined;
  let last: FetchView | undefined;
  /** Steps seen so far: a shown count is never smaller. */
  let seen = 0;
  if (o.live) ticker = setInterval(() => last && draw(last), 1000);
  let failed = false;
  let token = '';
  let cur: FetchFrom = from;
  const noticeMs = o.waitNoticeMs ?? defaultWaitNoticeMs();
  let lastMove = Date.now();
  let moveKey = '';
  let notice = '';
  const view = new TableView(o.tables ?? 'raw');
  try {
    for (;;) {
      // Long-poll, but come back when a wait notice falls due.
      const untilNotice = notice === '' ? Math.ceil((lastMove + noticeMs - Date.now()) / 1000) : 20;
      const v = await b.fetch(cur, { waitSeconds: o.follow ? Math.max(0, Math.min(20, untilNotice)) : 0, timestamps: o.timestamps, ...(o.interleave ? { interleave: true } : {}) });
      for (const s of [...v.finishedSteps, ...(v.step ? [v.step] : [])]) seen = Math.max(seen, s.index + 1);
      last = v;
      token = v.token;
      cur = { token: v.token };
      clear();
      // A step's end is reported after its own lines and before the next step's.
      let printed = 0;
      const printUpTo = (step: number) => {
        if (o.interleave) {
          // Lines come in time order, not by step: all of them, before the steps' ends.
          const rest = v.lines.slice(printed);
          if (rest.length > 0) io.stdout(view.mode === 'json' ? view.render(rest) : rest.map(interleavedLine).join(''));
          printed = v.lines.length;
          return;
        }
        let end = printed;
        while (end < v.lines.length && v.lines[end]!.step <= step) end++;
        if (end > printed) io.stdout(view.render(v.lines.slice(printed, end)));
        printed = end;
      };
      for (const s of v.finishedSteps) {
        printUpTo(s.index);
        io.stdout(view.flush());
        const bad = s.phase === 'Failed' || s.phase === 'Error';
        if (bad) failed = true;
        if (bad || !o.live) {
          const code = s.exitCode !== undefined ? ` (exit code ${s.exitCode})` : '';
          io.stderr(`sqlflow: ${stepLabel(s, seen)}: ${s.phase}${code}${bad && s.message ? `: ${s.message}` : ''}\n`);
        }
      }
      printUpTo(Infinity);
      if (v.message && v.finishedSteps.length === 0) io.stderr(`sqlflow: ${v.message}\n`);
      const key = `${v.jobPhase}|${v.step?.index}|${v.step?.nodeID}|${v.step?.phase}`;
      if (v.lines.length > 0 || v.finishedSteps.length > 0 || key !== moveKey) {
        lastMove = Date.now();
        moveKey = key;
        notice = '';
      } else if (o.follow && !v.eof && Date.now() - lastMove >= noticeMs) {
        const text = await explainWait(b, v, seen);
        if (text && text !== notice) io.stderr(`sqlflow: ${text} (nothing new for ${Math.round((Date.now() - lastMove) / 1000)}s)\n`);
        notice = text ?? ' ';
      }
      draw(v);
      if (v.eof) {
        io.stdout(view.flush());
        clear();
        let phase = v.jobPhase;
        // The operator writes the job's phase right after the workflow completes; give it a moment.
        for (let i = 0; i < 50 && !isFinished(phase as never); i++) {
          await new Promise((r) => setTimeout(r, 200));
          const p = tokenJob(v.token);
          phase = (await b.get(p.job, p.namespace)).phase;
        }
        return { eof: true, token, jobPhase: phase, failed: failed || phase !== 'Succeeded' };
      }
      if (!o.follow && v.lines.length === 0 && v.finishedSteps.length === 0) {
        io.stdout(view.flush());
        clear();
        return { eof: false, token, jobPhase: v.jobPhase, failed };
      }
    }
  } finally {
    if (ticker) clearInterval(ticker);
  }
}


/** What the follow loop waits for (waiting.ts), from the job and the current step's pod; undefined on any doubt. */
async function explainWait(b: Backend, v: FetchView, seen: number): Promise<string | undefined> {
  try {
    const p = tokenJob(v.token);
    const job = await b.get(p.job, p.namespace);
    const pod = v.step?.phase === 'Pending' && v.step.podName ? await b.pod(p.namespace, v.step.podName).catch(() => undefined) : undefined;
    return waitingText({ job, step: v.step, pod, stepsSeen: seen });
  } catch {
    return undefined; // a notice is a courtesy; the next fetch reports real errors
  }
}
