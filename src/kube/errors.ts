// Classifying apiserver failures. client-node 2.x throws `ApiException {code, body}`; the raw transport in rest.ts
// throws `KubeHttpError {code, status}`. Both carry an HTTP status in `code`, so the helpers look only at that.
// ApiException from its own module: client-node's index would pull every generated API group into the operator's
// bundle (see scripts/bundle-operator.mjs).
import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';

/** The decoded `Status` object the apiserver sends with an error (kind: Status). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: unknown;
}

/** An HTTP error from the raw transport, with the apiserver's Status when it sent one. */
export class KubeHttpError extends Error {
  readonly code: number;
  readonly status: KubeStatus | undefined;
  constructor(code: number, message: string, status?: KubeStatus) {
    super(message);
    this.name = 'KubeHttpError';
    this.code = code;
    this.status = status;
  }
}

/** HTTP status of an apiserver error, or undefined for network errors and anything else. */
export function statusCode(err: unknown): number | undefined {
  if (err instanceof ApiException || err instanceof KubeHttpError) return err.code;
  if (typeof err === 'object' && err !== null) {
    const c = (err as { code?: unknown; statusCode?: unknown }).statusCode ?? (err as { code?: unknown }).code;
    if (typeof c === 'number') return c;
  }
  return undefined;
}

export const isNotFound = (err: unknown): boolean => statusCode(err) === 404;
/** 409 can mean "conflict on resourceVersion" or "already exists"; isAlreadyExists tells the second apart. */
export const isConflict = (err: unknown): boolean => statusCode(err) === 409 && !isAlreadyExists(err);
export const isGone = (err: unknown): boolean => statusCode(err) === 410;

/** A failed connection (refused, reset, timed out; undici's and node:http's codes), through `cause` chains. */
export function isNetworkError(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string' && /^(E(CONNREFUSED|CONNRESET|CONNABORTED|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)|UND_ERR_\w+)$/.test(c)) return true;
    if (/socket hang up|other side closed/.test(String((e as { message?: unknown }).message))) return true;
  }
  return false;
}

/**
 * The apiserver was unreachable or overloaded (no HTTP status: a refused or reset connection; 429; 5xx). Such
 * errors say nothing about the object being reconciled.
 */
export function isTransient(err: unknown): boolean {
  const code = statusCode(err);
  if (code === undefined) return isNetworkError(err);
  return code === 429 || code >= 500;
}

export function isAlreadyExists(err: unknown): boolean {
  if (statusCode(err) !== 409) return false;
  return statusReason(err) === 'AlreadyExists';
}

/** The Status `reason` (AlreadyExists, Conflict, Expired, ...) if the error carries one. */
export function statusReason(err: unknown): string | undefined {
  let body: unknown;
  if (err instanceof KubeHttpError) body = err.status;
  else if (err instanceof ApiException) body = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (typeof body === 'object' && body !== null) {
    const r = (body as KubeStatus).reason;
    return typeof r === 'string' ? r : undefined;
  }
  return undefined;
}

/** A one-line description for logs: "409 Conflict: Operation cannot be fulfilled on leases ..." */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    let msg: string | undefined;
    try {
      const b = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      msg = (b as KubeStatus | undefined)?.message;
    } catch {
      msg = undefined;
    }
    return `${err.code}${msg ? `: ${msg}` : ''}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
