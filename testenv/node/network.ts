// The real node's network: one pod bridge and address range, the service range the
// control plane hands out, and the names of the guard's nft table and rules.
export const POD_BRIDGE = 'sqlfcni0';
export const POD_CIDR = '10.88.0.0/24';
/** Must equal the control plane's --service-cluster-ip-range. */
export const SERVICE_CIDR = '10.0.0.0/24';
export const GUARD_TABLE = 'sqlflow_node_guard';
/** The comments that name the guard's rules; the CNI guard and the tests look them up. */
export const GUARD_RULES = {
  podEgress: 'sqlflow: drop pod traffic leaving the pod network',
  podSource: 'sqlflow: drop pod-sourced traffic from any other interface',
  serviceForward: 'sqlflow: drop service traffic kube-proxy did not translate (forwarded)',
  serviceOutput: 'sqlflow: drop service traffic kube-proxy did not translate (local)',
  ingress: 'sqlflow: refuse the stack\'s ports from other interfaces',
} as const;
