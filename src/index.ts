// The package entry: the library API (mirroring the original SQLFlow's pkg/argo), the Fetch core and token,
// and the API server for embedding. The operator's own exports may be added here too.
export {
  fetch, run, submit, SQLFlowClient, SQLFlowError, RunSpecError,
  type ClientOptions, type Job, type JobSummary, type RunOptions, type RunSpec, type SubmitOptions,
} from './client/index.ts';
export {
  decodeToken, encodeToken, TokenError, type FetchPosition, type LogCursor,
} from './api/token.ts';
export {
  FetchError, Fetcher, JobSource, ReaderCache, StatusRecorder,
  type FetchErrorCode, type FetchOptions, type FetchResult, type FetchedLine, type FetcherOptions, type StepInfo,
} from './fetch/index.ts';
export { fetchInterleaved, type InterleavedResult } from './fetch/interleave.ts';
export {
  decodeInterleaved, encodeInterleaved, fromPosition, isInterleavedToken, tokenJob, type InterleavedPosition,
} from './api/interleave_token.ts';
export type { FetchOptions as ClientFetchOptions, FetchResult as ClientFetchResult } from './client/index.ts';
export { startApiServer, KubernetesAuthorizer, type ApiServer, type ApiServerOptions, type Authorizer } from './server/index.ts';
export { SQLFlowService } from './gen/sqlflow/v1/sqlflow_pb.ts';
