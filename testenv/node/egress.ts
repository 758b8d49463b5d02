// The egress guard: an nft table of the node's own (never the machine's ruleset) that
// drops every packet forwarded from the pod network to anything but the pod network
// (the node's own address is local delivery, never forwarded), drops service-range
// traffic kube-proxy did not translate, and keeps the stack's listening ports off
// every interface but loopback and the pod bridge. Base chains in separate tables
// all see a packet and a drop in any of them is final, so nothing kube-proxy, the
// kubelet or CNI add to iptables can accept around it.
import { must, exec } from './run.ts';
import { GUARD_RULES, GUARD_TABLE, POD_BRIDGE, POD_CIDR, SERVICE_CIDR } from './network.ts';

function ruleset(ports: number[]): string {
  const q = (s: string) => `"${s.replace(/"/g, '')}"`;
  // priority filter + 10: after the nat hooks, so kube-proxy's DNAT has already rewritten service addresses.
  return `table inet ${GUARD_TABLE} {
  set stack_ports {
    type inet_service
    ${ports.length ? `elements = { ${ports.join(', ')} }` : ''}
  }
  chain forward {
    type filter hook forward priority filter + 10; policy accept;
    iifname ${q(POD_BRIDGE)} ip daddr ${POD_CIDR} accept
    iifname ${q(POD_BRIDGE)} counter drop comment ${q(GUARD_RULES.podEgress)}
    ip saddr ${POD_CIDR} counter drop comment ${q(GUARD_RULES.podSource)}
    ip daddr ${SERVICE_CIDR} counter drop comment ${q(GUARD_RULES.serviceForward)}
  }
  chain output {
    type filter hook output priority filter + 10; policy accept;
    ip daddr ${SERVICE_CIDR} counter drop comment ${q(GUARD_RULES.serviceOutput)}
  }
  chain input {
    type filter hook input priority filter + 10; policy accept;
    iifname != { "lo", ${q(POD_BRIDGE)} } tcp dport @stack_ports counter drop comment ${q(GUARD_RULES.ingress)}
  }
}
`;
}

/** Installs (or replaces) the guard table. */
export async function installGuard(ports: number[]): Promise<void> {
  await removeGuard();
  await must('nft', ['-f', '-'], { input: ruleset(ports) });
}

/** Adds ports to the set the input chain keeps off other interfaces (before anything listens on them). */
export async function guardPorts(ports: number[]): Promise<void> {
  if (ports.length) await must('nft', ['add', 'element', 'inet', GUARD_TABLE, 'stack_ports', `{ ${ports.join(', ')} }`]);
}

export async function removeGuard(): Promise<void> {
  await exec('nft', ['delete', 'table', 'inet', GUARD_TABLE]);
}

export interface GuardRule {
  comment: string;
  packets: number;
  bytes: number;
}

/** The guard's counted rules as the kernel has them; throws naming what is missing. */
export async function guardRules(): Promise<GuardRule[]> {
  const r = await exec('nft', ['-j', 'list', 'table', 'inet', GUARD_TABLE]);
  if (r.code !== 0) throw new Error(`the egress guard (nft table inet ${GUARD_TABLE}) is missing: ${r.stderr.trim()}`);
  const doc = JSON.parse(r.stdout) as { nftables: Array<{ rule?: { comment?: string; expr: Array<Record<string, unknown>> } }> };
  const rules: GuardRule[] = [];
  for (const e of doc.nftables) {
    if (!e.rule?.comment) continue;
    const counter = e.rule.expr.find((x) => 'counter' in x)?.counter as { packets: number; bytes: number } | undefined;
    const dropping = e.rule.expr.some((x) => 'drop' in x);
    if (counter && dropping) rules.push({ comment: e.rule.comment, packets: counter.packets, bytes: counter.bytes });
  }
  const missing = Object.values(GUARD_RULES).filter((c) => !rules.some((x) => x.comment === c));
  if (missing.length) throw new Error(`the egress guard (nft table inet ${GUARD_TABLE}) lacks the rules: ${missing.join('; ')}`);
  return rules;
}
