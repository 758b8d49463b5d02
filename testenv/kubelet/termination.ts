// A container's termination message, as a kubelet fills `state.terminated.message` (Kubernetes'
// kuberuntime: the file mounted at the container's `terminationMessagePath`, default
// /dev/termination-log, read up to 4096 bytes; with `terminationMessagePolicy: FallbackToLogsOnError`,
// an empty file and a non-zero exit, the last 80 lines of the container's log, at most 2048 bytes).
// Steps run here as local processes, so nothing can be mounted: the file is a per-container temporary
// file whose path the process gets in TERMINATION_MESSAGE_PATH_ENV, the variable the step runtime reads
// (sqlflow_step/termination.py) to find where its container's file is.
import { open } from 'node:fs/promises';
import type { ContainerLog } from './logstore.ts';

export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
export const TERMINATION_MESSAGE_PATH_ENV = 'SQLFLOW_STEP_TERMINATION_MESSAGE_PATH';
export const MAX_TERMINATION_MESSAGE_BYTES = 4096;
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

/** The first `limit` bytes of `file` ('' when it is missing). */
async function readHead(file: string, limit: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const buf = Buffer.alloc(limit);
    const { bytesRead } = await fh.read(buf, 0, limit, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** The log's last FALLBACK_LINES lines, cut to their last FALLBACK_BYTES bytes. */
export function logTail(log: ContainerLog | undefined): string {
  if (!log) return '';
  const tail = Buffer.concat(log.records.slice(-FALLBACK_LINES).map((r) => r.data));
  return tail.subarray(Math.max(0, tail.length - FALLBACK_BYTES)).toString('utf8');
}

export async function terminationMessage(
  file: string,
  policy: string | undefined,
  exitCode: number,
  log: ContainerLog | undefined,
): Promise<string | undefined> {
  const text = (await readHead(file, MAX_TERMINATION_MESSAGE_BYTES)).toString('utf8');
  if (text !== '') return text;
  if (policy === 'FallbackToLogsOnError' && exitCode !== 0) {
    const tail = logTail(log);
    if (tail !== '') return tail;
  }
  return undefined;
}
