// Exactly-once, resumable step logs: the Fetch core shared by the API server, the library and the CLI.
export { ReaderCache, type ReaderCacheOptions } from './cache.ts';
export { CURSOR_MARGIN_SEC, CursorTracker } from './cursor.ts';
export {
  DEFAULT_MAX_BYTES, FetchError, Fetcher, MAIN_CONTAINER, MAX_WAIT_SECONDS,
  type FetchErrorCode, type FetchOptions, type FetchResult, type FetchedLine, type FetcherOptions, type StepInfo,
} from './fetch.ts';
export { podLogStats, PodLogError } from './podlog.ts';
export { LogReader } from './reader.ts';
export { JobSource, type JobState, type SourceScope } from './source.ts';
export { StatusRecorder, type LogProgress } from './status.ts';
