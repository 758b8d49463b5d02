// Patch helpers that always say which patch type they send.
//
// client-node 2.x sends every generated patch* call as JSON Patch (application/json-patch+json) unless told
// otherwise, so a merge-patch body ({status: {...}}) is rejected with 400/422, and KubernetesObjectApi.patch defaults
// to strategic merge, which custom resources reject with 415. The fix is a per-call Content-Type header via
// setHeaderOptions() as the call's second argument; patchOptions() makes it. Custom objects are patched through
// Resources (resources.ts), which always sends the patch type's Content-Type.
import type { ConfigurationOptions, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
// Each from its own module, not the index: see scripts/bundle-operator.mjs.
import { setHeaderOptions } from '@kubernetes/client-node/dist/middleware.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import type { PatchCallOptions, PatchType, ResourceRef, Resources } from './resources.ts';

export { isAlreadyExists, isConflict, isGone, isNotFound, statusCode, statusReason } from './errors.ts';
export type { PatchCallOptions, PatchType } from './resources.ts';

const CONTENT_TYPE: Record<PatchType, PatchStrategy> = {
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
  apply: PatchStrategy.ServerSideApply,
  strategic: PatchStrategy.StrategicMergePatch,
};

/** RFC 6902 operation. `test` on /metadata/resourceVersion turns a JSON patch into a compare-and-swap. */
export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/**
 * The options object to pass as the SECOND argument of any generated patch call, e.g.
 * `core.patchNamespacedPod({name, namespace, body}, patchOptions('merge'))`.
 */
export function patchOptions(type: PatchType, base?: ConfigurationOptions): ConfigurationOptions {
  return setHeaderOptions('Content-Type', CONTENT_TYPE[type], base);
}

/** Identifies a custom object; `namespace` omitted means cluster-scoped. */
export type CustomObjectRef = ResourceRef;

/**
 * Patch a custom object (namespaced or cluster-scoped, main resource or /status) with an explicit patch type.
 * 'strategic' is refused: the apiserver answers 415 for custom resources, better to fail before the request.
 */
export async function patchCustomObject<T = KubernetesObject>(
  api: Resources,
  ref: CustomObjectRef,
  type: PatchType,
  body: unknown,
  opts: PatchCallOptions = {},
): Promise<T> {
  if (type === 'strategic') throw new Error('strategic merge patch is not supported for custom resources');
  return await api.patch<T>(ref, type, body, opts);
}

/** Merge-patch `/status` of a custom object: the usual way a reconciler publishes what it observed. */
export function mergePatchCustomStatus<T = KubernetesObject>(
  api: Resources,
  ref: CustomObjectRef,
  status: Record<string, unknown>,
  fieldManager?: string,
): Promise<T> {
  return patchCustomObject<T>(api, ref, 'merge', { status }, { status: true, ...(fieldManager ? { fieldManager } : {}) });
}

/**
 * Server-side apply any object (core or custom) through KubernetesObjectApi, which finds the resource path from
 * apiVersion/kind. `obj` must be a full intent (apiVersion, kind, metadata.name/namespace).
 */
export function applyObject<T extends KubernetesObject>(
  objects: KubernetesObjectApi,
  obj: T,
  fieldManager: string,
  force = true,
): Promise<T> {
  return objects.patch(obj, undefined, undefined, fieldManager, force, PatchStrategy.ServerSideApply);
}

/**
 * Merge-patch any object (core or custom) through KubernetesObjectApi. `patch` must carry apiVersion, kind and
 * metadata.name (and namespace) so the path can be resolved; those fields are harmless inside a merge patch.
 * Set a key to null to delete it.
 */
export function mergePatchObject<T extends KubernetesObject>(
  objects: KubernetesObjectApi,
  patch: T,
  fieldManager?: string,
): Promise<T> {
  return objects.patch(patch, undefined, undefined, fieldManager, undefined, PatchStrategy.MergePatch);
}
