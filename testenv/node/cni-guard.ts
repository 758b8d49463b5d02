// A CNI plugin, last in the node's chain: on ADD it passes the previous result on
// only when the egress guard's nft table holds every rule the configuration names;
// otherwise it fails, containerd tears the sandbox down and the pod does not start.
// Run by Node directly (type stripping), so it imports nothing but Node's own modules.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

interface Conf {
  cniVersion?: string;
  table?: string;
  rules?: string[];
  prevResult?: unknown;
}

function missingRules(table: string, rules: string[]): string[] | string {
  let out: string;
  try {
    out = execFileSync('nft', ['-j', 'list', 'table', 'inet', table], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `/usr/sbin:/sbin:${process.env.PATH ?? '/usr/bin:/bin'}` },
    });
  } catch (e) {
    return `nft table inet ${table} is missing (${String((e as { stderr?: string }).stderr ?? e).trim()})`;
  }
  const present = new Set<string>();
  for (const item of (JSON.parse(out) as { nftables: Array<{ rule?: { comment?: string; expr: Array<Record<string, unknown>> } }> }).nftables) {
    if (item.rule?.comment && item.rule.expr.some((x) => 'drop' in x)) present.add(item.rule.comment);
  }
  return rules.filter((r) => !present.has(r));
}

const command = process.env.CNI_COMMAND;
const conf = (command === 'VERSION' ? {} : JSON.parse(readFileSync(0, 'utf8') || '{}')) as Conf;
const version = conf.cniVersion ?? '0.4.0';
if (command === 'VERSION') {
  process.stdout.write(JSON.stringify({ cniVersion: '0.4.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0'] }));
} else if (command === 'ADD' || command === 'CHECK') {
  const table = conf.table ?? '';
  const rules = conf.rules ?? [];
  const missing = table && rules.length ? missingRules(table, rules) : 'the plugin configuration names no table or rules';
  if (typeof missing === 'string' || missing.length) {
    const why = typeof missing === 'string' ? missing : `nft table inet ${table} lacks: ${missing.join('; ')}`;
    process.stdout.write(JSON.stringify({ cniVersion: version, code: 100, msg: 'egress guard missing: refusing to start a pod', details: `${why}. Restart the node (npm run cluster:down, then cluster:up -- --node=real).` }));
    process.exit(1);
  }
  if (command === 'ADD') process.stdout.write(JSON.stringify(conf.prevResult ?? { cniVersion: version }));
}
// DEL and anything else: nothing to undo.
