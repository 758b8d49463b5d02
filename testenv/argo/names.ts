// Argo's names for nodes and pods (pkg/apis/workflow/v1alpha1 Workflow.NodeID, workflow/util/pod_name.go).
// Both hash the node NAME with 32-bit FNV-1a over its UTF-8 bytes and print the sum as unpadded decimal.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-8 bytes of `s` (Go's hash/fnv New32a). */
export function fnv1a32(s: string): number {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/** Node ID: the workflow name for the root node, else `<wf>-<fnv(nodeName)>`. */
export function nodeId(wfName: string, nodeName: string): string {
  return nodeName === wfName ? wfName : `${wfName}-${fnv1a32(nodeName)}`;
}

// pod_name.go: maxK8sResourceNameLength 253, k8sNamingHashLength 10; the prefix is cut to 253-10-1 = 242 characters.
const MAX_PREFIX = 253 - 10 - 1;

/** Pod name, POD_NAMES=v2 (Argo's default since v3.4). */
export function podName(wfName: string, nodeName: string, templateName: string): string {
  if (nodeName === wfName) return wfName;
  let prefix = `${wfName}-${templateName}`;
  if (prefix.length > MAX_PREFIX) prefix = prefix.slice(0, MAX_PREFIX);
  return `${prefix}-${fnv1a32(nodeName)}`;
}

/** Display name: the node name without its boundary node's name and a leading `[i].` or `.` (operator.go initializeNode). */
export function displayName(nodeName: string, boundaryName: string | undefined): string {
  if (boundaryName === undefined) return nodeName;
  let d = nodeName.startsWith(boundaryName) ? nodeName.slice(boundaryName.length) : nodeName;
  if (/^(\[\d+\])?\./.test(d)) d = d.replace(/^(\[\d+\])?\./, '');
  return d;
}
