// Get, list, create, replace, patch and delete any resource by (group, version, plural[, namespace][, name]) over the
// runtime's one HTTP client: the operator's writes (Workflows, job status, events) and the API's and CLI's job
// calls. Core resources have group ''. Answers are plain JSON objects, as the apiserver sent them.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp, type Query } from './http.ts';

/** A collection: `namespace` omitted means cluster-scoped (or all namespaces for a list). */
export interface CollectionRef {
  group: string;
  version: string;
  plural: string;
  namespace?: string | undefined;
}

/** One object of a collection. */
export interface ResourceRef extends CollectionRef {
  name: string;
}

export type PatchType = 'merge' | 'json' | 'apply' | 'strategic';

export const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
  strategic: 'application/strategic-merge-patch+json',
};

export interface PatchCallOptions {
  /** Required by the apiserver for 'apply'; recorded in managedFields for the others. */
  fieldManager?: string;
  /** Only for 'apply': take ownership of fields another manager set (controllers usually want true). */
  force?: boolean;
  /** Patch the /status subresource instead of the main resource (needs `subresources.status` in the CRD). */
  status?: boolean;
}

/** A core-group (`/api/v1`) collection: `core('pods', ns)`. */
export const core = (plural: string, namespace?: string): CollectionRef => ({ group: '', version: 'v1', plural, namespace });

/** The REST path of a collection or (with a name) of one object, and optionally its subresource. */
export function resourcePath(ref: CollectionRef & { name?: string | undefined }, subresource?: string): string {
  const seg = encodeURIComponent;
  let p = ref.group === '' ? `/api/${seg(ref.version)}` : `/apis/${seg(ref.group)}/${seg(ref.version)}`;
  if (ref.namespace !== undefined) p += `/namespaces/${seg(ref.namespace)}`;
  p += `/${seg(ref.plural)}`;
  if (ref.name !== undefined) p += `/${seg(ref.name)}`;
  if (subresource !== undefined) p += `/${subresource}`;
  return p;
}

/** A collection's path even when handed an object's ref (its name is not part of a list or a create). */
const collectionPath = (ref: CollectionRef): string =>
  resourcePath({ group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespace });

export class Resources {
  readonly http: KubeHttp;
  constructor(kc: KubeConfig | KubeHttp) {
    this.http = kc instanceof KubeHttp ? kc : KubeHttp.for(kc);
  }

  get<T>(ref: ResourceRef): Promise<T> {
    return this.http.json<T>('GET', resourcePath(ref));
  }

  list<T>(ref: CollectionRef, query?: Query): Promise<{ items: T[]; metadata?: { resourceVersion?: string; continue?: string } }> {
    return this.http.json('GET', collectionPath(ref), query ? { query } : {});
  }

  create<T>(ref: CollectionRef, body: unknown, query?: Query): Promise<T> {
    return this.http.json<T>('POST', collectionPath(ref), { body, ...(query ? { query } : {}) });
  }

  /** PUT: the whole object, carrying the resourceVersion it was read at (a stale one is answered 409). */
  replace<T>(ref: ResourceRef, body: unknown): Promise<T> {
    return this.http.json<T>('PUT', resourcePath(ref), { body });
  }

  delete<T = unknown>(ref: ResourceRef, query?: Query): Promise<T> {
    return this.http.json<T>('DELETE', resourcePath(ref), query ? { query } : {});
  }

  /**
   * Patch with an explicit patch type (custom resources refuse 'strategic': 415). 'apply' needs a fieldManager;
   * force is sent only with 'apply', since the apiserver answers 400 to force on any other patch.
   */
  patch<T>(ref: ResourceRef, type: PatchType, body: unknown, opts: PatchCallOptions = {}): Promise<T> {
    if (type === 'apply' && !opts.fieldManager) throw new Error('server-side apply needs a fieldManager');
    const query: Query = {
      ...(opts.fieldManager !== undefined ? { fieldManager: opts.fieldManager } : {}),
      ...(type === 'apply' && opts.force !== undefined ? { force: opts.force } : {}),
    };
    return this.http.json<T>('PATCH', resourcePath(ref, opts.status ? 'status' : undefined), {
      body,
      contentType: PATCH_CONTENT_TYPE[type],
      query,
    });
  }
}
