// The sqlflow.v1.SQLFlowService handlers: authorize the caller, then act as the operator through the Fetch core
// and the job helpers. Stateless: any replica can serve any call, tokens carry every position.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { decodeToken, encodeToken, START_CURSOR, TokenError, type FetchPosition } from '../api/token.ts';
import { cancelJob, createJob, getJob, RunSpecError, summarize, type JobSummary, type RunSpec } from '../client/jobs.ts';
import { FetchError, type FetchResult, type Fetcher, type StepInfo } from '../fetch/fetch.ts';
import { fetchInterleaved, type InterleavedResult } from '../fetch/interleave.ts';
import type { JobSource } from '../fetch/source.ts';
import { decodeInterleaved, fromPosition, isInterleavedToken, type InterleavedPosition } from '../api/interleave_token.ts';
import { describeError, statusCode } from '../kube/errors.ts';
import type { Logger } from '../kube/logger.ts';
import type { Resources } from '../kube/resources.ts';
import {
  CancelResponseSchema, FetchResponseSchema, GetResponseSchema, JobSchema, LogLineSchema, RunResponseSchema, StepInfoSchema,
  type FetchRequest, type FetchResponse, type Job, type SQLFlowService,
} from '../gen/sqlflow/v1/sqlflow_pb.ts';
import type { Authorizer, Verb } from './auth.ts';
import { tablesOf } from './v1_tables.ts';

export interface ServiceDeps {
  fetcher: Fetcher;
  source: JobSource;
  kube: Resources;
  auth: Authorizer;
  logger: Logger;
}

type AnyPosition = FetchPosition | InterleavedPosition;

/** How long Follow's internal long polls last before a (possibly empty) response goes out as a heartbeat. */
const FOLLOW_POLL_SECONDS = 25;

export function sqlflowService(d: ServiceDeps): ServiceImpl<typeof SQLFlowService> {
  const authorize = (ctx: HandlerContext, verb: Verb, namespace: string) => d.auth.check(ctx.requestHeader.get('authorization'), verb, namespace);

  /** The job from the informer cache, waiting briefly for a job just created; then a direct GET to be sure. */
  async function jobSummary(namespace: string, name: string, signal: AbortSignal): Promise<JobSummary> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const since = d.source.version();
      const st = d.source.get(namespace, name, undefined);
      if (st.job) return summarize(st.job, st.workflow, st.pods);
      if (Date.now() > deadline || signal.aborted) break;
      await Promise.race([d.source.waitChange(namespace, name, undefined, since, signal), new Promise((r) => setTimeout(r, 500))]);
    }
    try {
      return summarize(await getJob(d.kube, namespace, name));
    } catch (err) {
      throw kubeError(err, `SQLFlowJob ${namespace}/${name}`);
    }
  }

  /** Where a Fetch starts: a program-order position, or an interleaved one (a token of that kind, or asked for). */
  async function startPosition(req: FetchRequest, ctx: HandlerContext): Promise<AnyPosition> {
    const wanted = (pos: FetchPosition): AnyPosition => (req.interleave ? fromPosition(pos) : pos);
    if (req.token) {
      let pos: AnyPosition;
      try {
        pos = isInterleavedToken(req.token) ? decodeInterleaved(req.token) : wanted(decodeToken(req.token));
      } catch (err) {
        throw new ConnectError((err as TokenError).message, Code.InvalidArgument);
      }
      await authorize(ctx, 'get', pos.namespace);
      return pos;
    }
    const ref = req.job;
    if (!ref?.namespace || !ref.name) throw new ConnectError('give a token, or a job (namespace and name)', Code.InvalidArgument);
    await authorize(ctx, 'get', ref.namespace);
    await jobSummary(ref.namespace, ref.name, ctx.signal);
    try {
      return wanted(d.fetcher.startPosition(ref.namespace, ref.name, req.fromBeginning ? 'beginning' : 'record'));
    } catch (err) {
      throw toConnect(err);
    }
  }

  async function fetchOnce(pos: AnyPosition, req: FetchRequest, ctx: HandlerContext, waitSeconds: number): Promise<FetchResponse> {
    let r: FetchResult | InterleavedResult;
    try {
      const o = { ...(req.maxBytes > 0 ? { maxBytes: req.maxBytes } : {}), waitSeconds, timestamps: req.timestamps, signal: ctx.signal };
      r = 'low' in pos ? await fetchInterleaved(d.fetcher, pos, o) : await d.fetcher.fetch(pos, o);
    } catch (err) {
      throw toConnect(err);
    }
    const st = d.source.get(pos.namespace, pos.job, r.workflow || undefined);
    return toFetchResponse(r, st.job ? summarize(st.job, st.workflow, st.pods) : undefined);
  }

  return {
    async run(req, ctx) {
      await authorize(ctx, 'create', req.namespace);
      const spec: RunSpec = { namespace: req.namespace };
      if (req.name) spec.name = req.name;
      if (req.program.case === 'sql') spec.sql = req.program.value;
      else if (req.program.case === 'workflowYaml') spec.workflow = req.program.value;
      else throw new ConnectError('give a SQL program (sql) or an Argo Workflow (workflow_yaml)', Code.InvalidArgument);
      if (req.datasourceSecret) {
        const i = req.datasourceSecret.indexOf(':');
        if (i <= 0 || i === req.datasourceSecret.length - 1) throw new ConnectError(`datasource_secret ${JSON.stringify(req.datasourceSecret)}: expected SECRET_NAME:KEY`, Code.InvalidArgument);
        spec.datasource = { name: req.datasourceSecret.slice(0, i), key: req.datasourceSecret.slice(i + 1) };
      }
      if (req.image) spec.image = req.image;
      if (req.schedule) spec.schedule = req.schedule as RunSpec['schedule'];
      if (req.parallelism > 0) spec.parallelism = req.parallelism;
      let created;
      try {
        created = await createJob(d.kube, spec);
      } catch (err) {
        if (err instanceof RunSpecError) throw new ConnectError(err.message, Code.InvalidArgument);
        throw kubeError(err, `SQLFlowJob ${req.namespace}/${req.name || '(generated)'}`);
      }
      const name = created.metadata.name ?? '';
      d.logger.info('job created through the API', { job: `${req.namespace}/${name}` });
      const waitMs = Math.min(60, req.waitSeconds > 0 ? req.waitSeconds : 10) * 1000;
      const deadline = Date.now() + waitMs;
      let workflow = '';
      while (!ctx.signal.aborted) {
        const since = d.source.version();
        const j = d.source.get(req.namespace, name, undefined).job;
        if (j && j.metadata.uid === created.metadata.uid && (j.status?.workflowName || j.status?.phase === 'Error')) {
          workflow = j.status?.workflowName ?? '';
          break;
        }
        const left = deadline - Date.now();
        if (left <= 0) break;
        const ac = new AbortController();
        await Promise.race([d.source.waitChange(req.namespace, name, undefined, since, ac.signal), new Promise((r) => setTimeout(r, left))]);
        ac.abort();
      }
      const pos: FetchPosition = {
        namespace: req.namespace, job: name, uid: created.metadata.uid ?? '', workflow, step: 0, nodeID: '', cursor: { ...START_CURSOR }, lines: 0,
      };
      const st = d.source.get(req.namespace, name, workflow || undefined);
      const summary = summarize(st.job?.metadata.uid === pos.uid ? st.job : created, st.workflow, st.pods);
      return create(RunResponseSchema, { job: toJob(summary), token: encodeToken(pos) });
    },

    async fetch(req, ctx) {
      const pos = await startPosition(req, ctx);
      return fetchOnce(pos, req, ctx, req.waitSeconds);
    },

    async *follow(req, ctx) {
      let pos = await startPosition(req, ctx);
      for (;;) {
        const res = await fetchOnce(pos, req, ctx, FOLLOW_POLL_SECONDS);
        if (ctx.signal.aborted) return;
        yield res;
        if (res.eof) return;
        pos = isInterleavedToken(res.token) ? decodeInterleaved(res.token) : decodeToken(res.token);
        // Rights are re-checked (through the short cache) so a revoked caller's stream ends.
        await authorize(ctx, 'get', pos.namespace);
      }
    },

    async get(req, ctx) {
      await authorize(ctx, 'get', req.namespace);
      if (!req.name) throw new ConnectError('a job name is required', Code.InvalidArgument);
      return create(GetResponseSchema, { job: toJob(await jobSummary(req.namespace, req.name, ctx.signal)) });
    },

    async cancel(req, ctx) {
      await authorize(ctx, 'patch', req.namespace);
      if (!req.name) throw new ConnectError('a job name is required', Code.InvalidArgument);
      try {
        const j = await cancelJob(d.kube, req.namespace, req.name);
        d.logger.info('job cancelled through the API', { job: `${req.namespace}/${req.name}` });
        return create(CancelResponseSchema, { job: toJob(summarize(j)) });
      } catch (err) {
        throw kubeError(err, `SQLFlowJob ${req.namespace}/${req.name}`);
      }
    },
  };
}

export function toConnect(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof TokenError) return new ConnectError(err.message, Code.InvalidArgument);
  if (err instanceof FetchError) {
    const code = { 'not-found': Code.NotFound, 'failed-precondition': Code.FailedPrecondition, 'invalid-argument': Code.InvalidArgument, unavailable: Code.Unavailable }[err.code];
    return new ConnectError(err.message, code);
  }
  return kubeError(err, 'request');
}

function kubeError(err: unknown, what: string): ConnectError {
  if (err instanceof ConnectError) return err;
  const code = statusCode(err);
  const msg = `${what}: ${describeError(err)}`;
  switch (code) {
    case 404: return new ConnectError(`${what} not found`, Code.NotFound);
    case 409: return new ConnectError(msg, Code.AlreadyExists);
    case 400: case 422: return new ConnectError(msg, Code.InvalidArgument);
    case 403: return new ConnectError(`the operator itself was refused (check its RBAC): ${msg}`, Code.Internal);
    default: return new ConnectError(msg, code === undefined ? Code.Unavailable : Code.Internal);
  }
}

function toStep(s: StepInfo) {
  return create(StepInfoSchema, {
    index: s.index, count: s.count, name: s.name, nodeId: s.nodeID, podName: s.podName ?? '', phase: s.phase,
    ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}), message: s.message ?? '', countKnown: s.countKnown ?? false, waiting: s.waiting ?? '',
  });
}

export function toJob(j: JobSummary): Job {
  return create(JobSchema, {
    namespace: j.namespace, name: j.name, uid: j.uid, workflow: j.workflow, phase: j.phase, message: j.message, progress: j.progress,
    stepCount: j.stepCount, steps: j.steps.map(toStep), createdAt: j.createdAt, startedAt: j.startedAt, finishedAt: j.finishedAt,
  });
}

function toFetchResponse(r: FetchResult | InterleavedResult, job: JobSummary | undefined): FetchResponse {
  return create(FetchResponseSchema, {
    lines: r.lines.map((l) => create(LogLineSchema, { step: l.step, text: l.text, time: l.time ?? '', notice: l.notice ?? false })),
    token: r.token,
    eof: r.eof,
    jobPhase: r.jobPhase,
    ...(r.step ? { step: toStep(r.step) } : {}),
    finishedSteps: r.finishedSteps.map(toStep),
    message: r.message ?? '',
    ...(job ? { job: toJob(job) } : {}),
    tables: tablesOf(r.lines),
  });
}
