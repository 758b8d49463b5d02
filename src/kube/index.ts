// The controller runtime's public surface. Knows nothing of SQLFlow.
export { expBackoff, jitter, sleep } from './backoff.ts';
export { currentNamespace, loadKubeConfig, type KubeConfigSource } from './client.ts';
export {
  describeError,
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  KubeHttpError,
  statusCode,
  statusReason,
} from './errors.ts';
export { EventRecorder, type EventRecorderOptions, type EventType, type ObjectRef } from './events.ts';
export {
  Informer,
  type InformerEventMap,
  type InformerHandlers,
  type InformerOptions,
  type RelistInfo,
  type RestartInfo,
  type RestartReason,
} from './informer.ts';
export { LeaderElector, type LeaderElectionOptions } from './leader.ts';
export { createLogger, parseLogLevel, silentLogger, type Logger, type LoggerOptions, type LogLevel } from './logger.ts';
export {
  applyObject,
  mergePatchCustomStatus,
  mergePatchObject,
  patchCustomObject,
  patchOptions,
  type CustomObjectRef,
  type JsonPatchOp,
  type PatchCallOptions,
  type PatchType,
} from './patch.ts';
export { KubeHttp, type Query, type RequestOptions } from './http.ts';
export { resourcePath, Resources, type CollectionRef, type ResourceRef } from './resources.ts';
export { RestTransport, WatchIdleError, type ListPage, type ListWatchTransport, type WatchEvent } from './rest.ts';
export { objectKey, splitKey, Store } from './store.ts';
export { formatMicroTime, nowMicros, parseMicroTime } from './time.ts';
export { WorkQueue, type Reconcile, type ReconcileOutcome, type ReconcileResult, type WorkQueueOptions } from './workqueue.ts';
