// SQLFlow's own proto.SQLFlow Run/Fetch, for SQLFlow's Python client and its %%sqlflow magic, on the same port as
// sqlflow.v1 and built on the same pieces: a Run makes a SQLFlowJob; a Fetch is one v1 Fetch (the exactly-once
// core) translated into SQLFlow's responses — status lines, every log line as a `message` while the step runs,
// head/row for the tables the step prints, an `eoe` after each step, `eof` after the last.
import { create } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { HOLD_ANNOTATION } from '../api/hold.ts';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type SQLFlowJob } from '../api/job.ts';
import { decodeToken, encodeToken, START_CURSOR, TokenError, type FetchPosition } from '../api/token.ts';
import { jobManifest, RunSpecError } from '../client/jobs.ts';
import type { Fetcher, FetchResult, StepInfo } from '../fetch/fetch.ts';
import type { JobSource } from '../fetch/source.ts';
import { parseResponseLine } from '../fetch/table.ts';
import { isExecutorExitLine } from '../fetch/executor.ts';
import { describeError } from '../kube/errors.ts';
import { patchCustomObject } from '../kube/patch.ts';
import type { Logger } from '../kube/logger.ts';
import { core, type Resources } from '../kube/resources.ts';
import { split } from '../sql/split.ts';
import {
  FetchRequestSchema, FetchResponse_ResponsesSchema, FetchResponseSchema, HeadSchema, JobSchema, MessageSchema, ResponseSchema, RowSchema,
  EndOfExecutionSchema, type FetchRequest, type FetchResponse, type Response, type SQLFlow,
} from '../gen/proto/sqlflow_pb.ts';
import type { Authorizer } from './auth.ts';
import { toConnect } from './service.ts';
import {
  clip, decodeState, encodeState, FETCH_KEY_ANNOTATION, fetchKeyMatches, formatJobId, hashFetchKey, newFetchKey, parseJobId, SQLFlowIdError,
  type StepState,
} from './sqlflow_ids.ts';

export interface SQLFlowProtoOptions {
  /** Namespace of jobs whose Session has no wf_namespace. */
  defaultNamespace: string;
  /** "SECRET:KEY" in the job's namespace, used when the Session has no db_conn_str. */
  defaultDatasource?: string;
  /** How long Run waits for the operator to create the Workflow (default 120 s). */
  runWaitMs?: number;
  /** Fetch's long poll, seconds (default DEFAULT_POLL_SECONDS). */
  pollSeconds?: number;
}

/**
 * How long a Fetch waits for the first new line. The 0.15.0 client sleeps 2 s after every answer, so a line printed
 * while it sleeps waits for the next call whatever the server does; a line printed while a call is held goes out at
 * once. Holding 10 s (a Fetch answers the moment a line or a step's end arrives) catches a slow step's lines as they
 * come instead of after a further 2 s sleep, and an idle notebook costs 5 calls a minute instead of 20.
 */
export const DEFAULT_POLL_SECONDS = 10;

export interface SQLFlowProtoDeps {
  fetcher: Fetcher;
  source: JobSource;
  kube: Resources;
  auth: Authorizer;
  logger: Logger;
  /** Aborted when the server shuts down: a held Fetch then answers at once with what it has, instead of being cut. */
  closing?: AbortSignal;
}

const DATASOURCE_KEY = 'datasource';
const FAILED = new Set(['Failed', 'Error']);

export function sqlflowProtoService(d: SQLFlowProtoDeps, o: SQLFlowProtoOptions): ServiceImpl<typeof SQLFlow> {
  const defaultDs = o.defaultDatasource ? parseSecretKey(o.defaultDatasource) : undefined;

  async function createSecretFor(job: SQLFlowJob, secretName: string, connStr: string): Promise<void> {
    await d.kube.create(core('secrets', job.metadata.namespace!), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: secretName,
        labels: { 'sqlflow.org/job': job.metadata.name! },
        // Owned by the job: deleted with it by the garbage collector.
        ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name: job.metadata.name!, uid: job.metadata.uid!, blockOwnerDeletion: false }],
      },
      type: 'Opaque',
      stringData: { [DATASOURCE_KEY]: connStr },
    });
  }

  async function deleteJob(namespace: string, name: string): Promise<void> {
    try {
      await d.kube.delete({ group: GROUP, version: VERSION, plural: PLURAL, namespace, name });
    } catch (err) {
      d.logger.warn('could not delete a job whose datasource Secret failed', { job: `${namespace}/${name}`, err: describeError(err) });
    }
  }

  /** Waits until the operator created the job's Workflow (or failed to), as the original answered after kubectl create. */
  async function waitWorkflow(namespace: string, name: string, uid: string, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + (o.runWaitMs ?? 120_000);
    while (!signal.aborted) {
      const since = d.source.version();
      const j = d.source.get(namespace, name, undefined).job;
      if (j && j.metadata.uid === uid) {
        if (j.status?.workflowName) return;
        if (j.status?.phase === 'Error' || j.status?.phase === 'Failed') {
          throw new ConnectError(`SQLFlowJob ${namespace}/${name}: ${j.status.message || j.status.phase}`, Code.InvalidArgument);
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      const ac = new AbortController();
      await Promise.race([d.source.waitChange(namespace, name, undefined, since, ac.signal), new Promise((r) => setTimeout(r, Math.min(left, 1000)))]);
      ac.abort();
    }
    throw new ConnectError(`SQLFlowJob ${namespace}/${name} was created but the operator made no Workflow for it in time; check the operator (kubectl describe sfj -n ${namespace} ${name})`, Code.DeadlineExceeded);
  }

  /** The caller may read this job: the id's key matches, or (a header is sent) the v1 check passes. */
  async function authorizeFetch(ctx: HandlerContext, namespace: string, name: string, key: string): Promise<void> {
    let job = d.source.get(namespace, name, undefined).job;
    if (!job) {
      const since = d.source.version();
      const ac = new AbortController();
      await Promise.race([d.source.waitChange(namespace, name, undefined, since, ac.signal), new Promise((r) => setTimeout(r, 2000))]);
      ac.abort();
      job = d.source.get(namespace, name, undefined).job;
    }
    if (job && fetchKeyMatches(key, job.metadata.annotations?.[FETCH_KEY_ANNOTATION])) return;
    const header = ctx.requestHeader.get('authorization');
    if (header) {
      await d.auth.check(header, 'get', namespace);
      if (!job) throw new ConnectError(`SQLFlowJob ${namespace}/${name} not found`, Code.NotFound);
      return;
    }
    if (!job) throw new ConnectError(`SQLFlowJob ${namespace}/${name} not found (deleted, or not yet seen by this server)`, Code.NotFound);
    throw new ConnectError(`the job id's key does not match SQLFlowJob ${namespace}/${name}; use the id its Run returned`, Code.PermissionDenied);
  }

  return {
    async *run(req, ctx) {
      const s = req.session;
      const namespace = s?.wfNamespace || o.defaultNamespace;
      const header = ctx.requestHeader.get('authorization') ?? (s?.token ? `Bearer ${s.token}` : null);
      await d.auth.check(header, 'create', namespace);
      if (!req.stmts.trim()) throw new ConnectError('the program is empty: send SQL statements', Code.InvalidArgument);

      const name = `sqlflow-${newFetchKey().toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8)}`;
      const key = newFetchKey();
      const secretName = `${name}-datasource`;
      let body: SQLFlowJob;
      try {
        body = jobManifest({
          namespace, name, sql: req.stmts,
          ...(s?.dbConnStr ? { datasource: { name: secretName, key: DATASOURCE_KEY } } : defaultDs ? { datasource: defaultDs } : {}),
        });
      } catch (err) {
        if (err instanceof RunSpecError) throw new ConnectError(err.message, Code.InvalidArgument);
        throw err;
      }
      body.metadata.annotations = { [FETCH_KEY_ANNOTATION]: hashFetchKey(key) };
      // The Secret can only be owned by a job that exists, and the job's step must not start before the Secret
      // does: the job is created held, and released once its Secret is there.
      if (s?.dbConnStr) body.metadata.annotations[HOLD_ANNOTATION] = `its datasource Secret ${secretName}`;
      if (s?.serviceAccount) body.spec.serviceAccountName = s.serviceAccount;
      let created: SQLFlowJob;
      try {
        created = await d.kube.create<SQLFlowJob>({ group: GROUP, version: VERSION, plural: PLURAL, namespace }, body);
      } catch (err) {
        throw toConnect(err);
      }
      if (s?.dbConnStr) {
        try {
          await createSecretFor(created, secretName, s.dbConnStr);
        } catch (err) {
          await deleteJob(namespace, name);
          throw new ConnectError(`could not store the datasource of SQLFlowJob ${namespace}/${name} in Secret ${secretName}: ${describeError(err)} (the operator needs "create" on secrets in ${namespace}; see config/rbac)`, Code.Internal);
        }
        try {
          await patchCustomObject(d.kube, { group: GROUP, version: VERSION, plural: PLURAL, namespace, name }, 'merge', { metadata: { annotations: { [HOLD_ANNOTATION]: null } } });
        } catch (err) {
          await deleteJob(namespace, name);
          throw new ConnectError(`could not release SQLFlowJob ${namespace}/${name} after storing its datasource: ${describeError(err)}; the job was deleted, run the program again`, Code.Internal);
        }
      }
      d.logger.info('job created through proto.SQLFlow', { job: `${namespace}/${name}` });
      await waitWorkflow(namespace, name, created.metadata.uid ?? '', ctx.signal);
      yield create(ResponseSchema, { response: { case: 'job', value: create(JobSchema, { id: formatJobId({ namespace, name, key }), namespace }) } });
    },

    async fetch(req, ctx) {
      let id;
      let state: StepState;
      try {
        id = parseJobId(req.job?.id ?? '');
        if (req.job?.namespace && req.job.namespace !== id.namespace) {
          throw new SQLFlowIdError(`job namespace ${req.job.namespace} does not match the id's (${id.namespace})`);
        }
        state = decodeState(req.stepPhase);
      } catch (err) {
        throw new ConnectError((err as Error).message, Code.InvalidArgument);
      }
      await authorizeFetch(ctx, id.namespace, id.name, id.key);
      if (state.failure) throw new ConnectError(state.failure, Code.Unknown);

      let pos: FetchPosition;
      if (req.stepId === '') {
        try {
          pos = d.fetcher.startPosition(id.namespace, id.name, 'beginning');
        } catch (err) {
          throw toConnect(err);
        }
      } else {
        try {
          pos = decodeToken(req.stepId);
        } catch (err) {
          throw new ConnectError(`updated_fetch_since.step_id: ${(err as TokenError).message}`, Code.InvalidArgument);
        }
        if (pos.namespace !== id.namespace || pos.job !== id.name) {
          throw new ConnectError('updated_fetch_since belongs to another job; send back the one this job\'s Fetch returned', Code.InvalidArgument);
        }
      }
      let r: FetchResult;
      try {
        const wait = d.closing?.aborted ? 0 : (o.pollSeconds ?? DEFAULT_POLL_SECONDS);
        r = await d.fetcher.fetch(pos, { waitSeconds: wait, signal: d.closing ? AbortSignal.any([ctx.signal, d.closing]) : ctx.signal });
      } catch (err) {
        throw toConnect(err);
      }
      const job = d.source.get(id.namespace, id.name, r.workflow || undefined).job;
      const statements = job?.spec.sql ? split(job.spec.sql).map((x) => x.text) : [];
      const out = translate(r, pos, state, statements);
      return create(FetchResponseSchema, {
        updatedFetchSince: create(FetchRequestSchema, {
          job: create(JobSchema, { id: req.job!.id, namespace: id.namespace }),
          stepId: out.token,
          stepPhase: encodeState(out.state),
        }),
        eof: out.eof,
        responses: create(FetchResponse_ResponsesSchema, { response: out.responses }),
      });
    },
  };
}

function parseSecretKey(s: string): { name: string; key: string } {
  const i = s.indexOf(':');
  if (i <= 0 || i === s.length - 1) throw new Error(`default datasource ${JSON.stringify(s)}: expected SECRET_NAME:KEY`);
  return { name: s.slice(0, i), key: s.slice(i + 1) };
}

const msg = (text: string): Response => create(ResponseSchema, { response: { case: 'message', value: create(MessageSchema, { message: text }) } });

/** SQLFlow's step wrote its output through a 4 KiB buffer, so its server forwarded a longer message in 4 KiB pieces. */
export const MESSAGE_CHUNK_BYTES = 4096;
const HTML_PREFIX = 'data:text/html,';

/**
 * A message as SQLFlow's server sent it: pieces of at most MESSAGE_CHUNK_BYTES of UTF-8, cut between characters,
 * in order. HTML (`data:text/html,…`, a figure) stays whole: the client renders only a message that starts with
 * the prefix, so a cut figure would show as its first piece plus pages of base64.
 */
export function messagePieces(text: string): string[] {
  if (text.startsWith(HTML_PREFIX) || Buffer.byteLength(text, 'utf8') <= MESSAGE_CHUNK_BYTES) return [text];
  const out: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > MESSAGE_CHUNK_BYTES) {
      out.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  out.push(text.slice(start));
  return out;
}

function isTableLine(text: string): boolean {
  const k = parseResponseLine(text)?.kind;
  return k === 'head' || k === 'row';
}

/** One log line as SQLFlow's client expects it: tables as head/row, everything else (HTML included) as messages. */
export function lineResponses(text: string): Response[] {
  const p = parseResponseLine(text);
  if (p?.kind === 'head') return [create(ResponseSchema, { response: { case: 'head', value: create(HeadSchema, { columnNames: p.columns }) } })];
  if (p?.kind === 'row') {
    const data = p.data.map((a) => create(AnySchema, { typeUrl: a.typeUrl, value: a.value }));
    return [create(ResponseSchema, { response: { case: 'row', value: create(RowSchema, { data }) } })];
  }
  return messagePieces(p?.kind === 'message' ? p.text : text).map(msg);
}

/** Pure: a v1 Fetch result, from the position's step, to SQLFlow responses and the next step state. */
export function translate(r: FetchResult, from: FetchPosition, prev: StepState, statements: readonly string[]): { responses: Response[]; state: StepState; eof: boolean; token: string } {
  const fromStep = from.step;
  let delivered = from.lines;
  const state: StepState = { ...prev };
  const responses: Response[] = [];
  const finished = new Map(r.finishedSteps.map((s) => [s.index, s]));
  const count = r.step?.count ?? r.finishedSteps[0]?.count ?? statements.length;
  const tag = (i: number) => `SQLFlow Step: [${i + 1}/${count}]`;
  const announce = (i: number) => {
    if (i <= state.announced) return;
    const stmt = statements[i];
    responses.push(msg(`${tag(i)} Execute Code: ${stmt ?? `step ${i + 1}`}`));
    state.announced = i;
  };
  const byStep = new Map<number, string[]>();
  for (const l of r.lines) {
    let a = byStep.get(l.step);
    if (!a) byStep.set(l.step, (a = []));
    a.push(l.text);
  }
  const last = Math.max(fromStep, r.step?.index ?? -1, ...finished.keys(), ...byStep.keys());
  for (let i = fromStep; i <= last; i++) {
    const lines = byStep.get(i) ?? [];
    const done: StepInfo | undefined = finished.get(i);
    const current = r.step?.index === i ? r.step : undefined;
    if (!lines.length && !done && !current) continue;
    if (current && !done && (current.phase === 'Pending' || !current.phase) && !lines.length) {
      if (state.phase !== current.phase) state.phase = current.phase;
      continue; // not started: the original showed nothing either until the pod ran
    }
    announce(i);
    for (const t of lines) {
      responses.push(...lineResponses(t));
      if (t.trim() && !isExecutorExitLine(t)) state.last = clip(t);
    }
    // A pod that printed is running, even if the informer has not seen its phase change yet.
    let phase = done?.phase ?? current?.phase ?? '';
    if (phase === 'Pending' && lines.length) phase = 'Running';
    if (phase && phase !== state.phase && !done) {
      responses.push(msg(`${tag(i)} Status: ${phase}`));
      state.phase = phase;
    }
    if (done) {
      responses.push(msg(`${tag(i)} Status: ${done.phase}`));
      if (FAILED.has(done.phase)) {
        const exit = done.exitCode !== undefined ? `exit code ${done.exitCode}` : 'no exit code';
        state.failure = clip(`${tag(i)} Failed (${exit}): ${done.message || done.phase}${state.last ? `\n${state.last}` : ''}`);
        return { responses, state, eof: false, token: r.token };
      }
      const eoe = create(ResponseSchema, { response: { case: 'eoe', value: create(EndOfExecutionSchema, { sql: statements[i] ?? '' }) } });
      state.phase = '';
      state.last = '';
      if (r.eof && i === last) {
        responses.push(eoe);
        break;
      }
      // The next step often prints before Argo records this one's end. When all that was read of it is plain
      // lines (no table, which must follow this eoe), they go now, before the eoe: the client shows messages as
      // they come and only closes this step's table at the eoe, so nothing waits for another call and its sleep.
      const following = i + 1;
      const nextLines = byStep.get(following) ?? [];
      const carry = nextLines.length > 0 && last === following && !finished.has(following) && !r.message && !r.eof && nextLines.every((t) => !isTableLine(t));
      if (carry) {
        announce(following);
        for (const t of nextLines) {
          responses.push(...lineResponses(t));
          if (t.trim() && !isExecutorExitLine(t)) state.last = clip(t);
        }
        // A step that printed is running (its end, if already recorded, is reported once, when it is drained).
        responses.push(msg(`${tag(following)} Status: Running`));
        state.phase = 'Running';
        responses.push(eoe);
        return { responses, state, eof: false, token: r.token };
      }
      responses.push(eoe);
      // The 0.15.0 client stops reading a FetchResponse at its first eoe: answer one step per call, and continue
      // the next call at the start of the next step (its lines read here are not sent, so they come then, once).
      delivered += lines.length;
      const next: FetchPosition = { ...r.position, step: i + 1, nodeID: '', cursor: { ...START_CURSOR }, lines: delivered };
      return { responses, state, eof: false, token: encodeToken(next) };
    }
    delivered += lines.length;
  }
  if (r.message) responses.push(msg(r.message));
  if (r.eof && r.jobPhase && r.jobPhase !== 'Succeeded') {
    state.failure = clip(`SQLFlow job ${r.position.namespace}/${r.position.job} ${r.jobPhase}${r.message ? `: ${r.message}` : ''}`);
    return { responses, state, eof: false, token: r.token };
  }
  return { responses, state, eof: r.eof, token: r.token };
}
