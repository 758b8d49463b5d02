// Flags of the sqlflow-operator process. Every flag can also come from the environment:
// --step-image ⇔ SQLFLOW_STEP_IMAGE (a flag on the command line wins).
import { parseArgs } from 'node:util';

export interface OperatorConfig {
  kubeconfig?: string;
  namespace?: string;
  leaderElect: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  stepImage?: string;
  stepCommand?: string[];
  metricsAddr: string;
  healthAddr: string;
  apiAddr: string;
  apiAuth: 'token' | 'none';
  apiTlsCert?: string;
  apiTlsKey?: string;
  sqlflowNamespace?: string;
  sqlflowDefaultDatasource?: string;
  logLevel: string;
  workers: number;
}

const SPEC = {
  kubeconfig: { type: 'string', help: 'kubeconfig file (default: KUBECONFIG, then in-cluster config)' },
  namespace: { type: 'string', help: 'watch only this namespace (default: all namespaces)' },
  'leader-elect': { type: 'boolean', help: 'elect a leader on a Lease so only one replica reconciles' },
  'leader-election-namespace': { type: 'string', help: 'namespace of the Lease (default: POD_NAMESPACE, then --namespace, then default)' },
  'leader-election-id': { type: 'string', help: 'name of the Lease (default sqlflow-operator-leader)' },
  'step-image': { type: 'string', help: 'image of program steps when a job names none (default sqlflow-operator/step:0.1.0, built from step/Dockerfile)' },
  'step-command': { type: 'string', help: 'argv prefix before each statement, as a JSON array (default ["step","-e"])' },
  'metrics-addr': { type: 'string', help: 'host:port of Prometheus /metrics; "0" disables (default :8080)' },
  'health-addr': { type: 'string', help: 'host:port of /healthz and /readyz; "0" disables (default :8081)' },
  'api-addr': { type: 'string', help: 'host:port of the gRPC/Connect API; "0" disables (default :8443)' },
  'api-auth': { type: 'string', help: 'token (TokenReview + SubjectAccessReview, default) or none (local use only)' },
  'api-tls-cert': { type: 'string', help: 'TLS certificate file of the API (default: plain HTTP/2)' },
  'api-tls-key': { type: 'string', help: 'TLS key file of the API' },
  'sqlflow-namespace': { type: 'string', help: 'namespace of proto.SQLFlow (Python client) jobs without Session.wf_namespace (default: default)' },
  'sqlflow-default-datasource': { type: 'string', help: 'SECRET:KEY (in the job namespace) for proto.SQLFlow jobs without db_conn_str' },
  'log-level': { type: 'string', help: 'error, warn, info (default) or debug' },
  workers: { type: 'string', help: 'concurrent reconciles (default 4)' },
  help: { type: 'boolean', help: 'show this help' },
} as const;

export class FlagError extends Error {}

export function usage(): string {
  const lines = Object.entries(SPEC).map(([name, s]) => `  --${name.padEnd(28)} ${s.help}${name === 'help' ? '' : ` [${envName(name)}]`}`);
  return `usage: sqlflow-operator [flags]\n\nRuns the SQLFlowJob controller and its API.\n\n${lines.join('\n')}\n`;
}

export function envName(flag: string): string {
  return `SQLFLOW_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function bool(v: string | undefined, name: string): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new FlagError(`${envName(name)}=${v} is not a boolean; use true or false`);
}

/** Parses argv and env into a config; throws FlagError naming the bad flag. */
export function parseFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): OperatorConfig | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: Object.fromEntries(Object.entries(SPEC).map(([k, s]) => [k, { type: s.type }])), strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new FlagError(`${(e as Error).message}\n\n${usage()}`);
  }
  if (values.help) return 'help';
  const str = (name: keyof typeof SPEC): string | undefined => {
    const v = values[name];
    if (typeof v === 'string') return v;
    const e = env[envName(name)];
    return e === undefined || e === '' ? undefined : e;
  };
  let stepCommand: string[] | undefined;
  const sc = str('step-command');
  if (sc !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(sc);
    } catch {
      throw new FlagError(`--step-command must be a JSON array of strings, e.g. '["step","-e"]'; got ${sc}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => typeof x === 'string')) {
      throw new FlagError(`--step-command must be a non-empty JSON array of strings, e.g. '["step","-e"]'; got ${sc}`);
    }
    stepCommand = parsed;
  }
  const auth = str('api-auth') ?? 'token';
  if (auth !== 'token' && auth !== 'none') throw new FlagError(`--api-auth must be token or none; got ${auth}`);
  const workers = Number(str('workers') ?? '4');
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new FlagError(`--workers must be an integer from 1 to 64; got ${str('workers')}`);
  const cfg: OperatorConfig = {
    leaderElect: (values['leader-elect'] as boolean | undefined) ?? bool(env[envName('leader-elect')], 'leader-elect') ?? false,
    leaderElectionId: str('leader-election-id') ?? 'sqlflow-operator-leader',
    metricsAddr: str('metrics-addr') ?? ':8080',
    healthAddr: str('health-addr') ?? ':8081',
    apiAddr: str('api-addr') ?? ':8443',
    apiAuth: auth,
    logLevel: str('log-level') ?? 'info',
    workers,
  };
  const opt = { kubeconfig: str('kubeconfig'), namespace: str('namespace'), leaderElectionNamespace: str('leader-election-namespace'), stepImage: str('step-image'), apiTlsCert: str('api-tls-cert'), apiTlsKey: str('api-tls-key'), sqlflowNamespace: str('sqlflow-namespace'), sqlflowDefaultDatasource: str('sqlflow-default-datasource') };
  for (const [k, v] of Object.entries(opt)) if (v !== undefined) (cfg as unknown as Record<string, unknown>)[k] = v;
  if (stepCommand) cfg.stepCommand = stepCommand;
  if (cfg.sqlflowDefaultDatasource !== undefined && !/^[^:]+:[^:]+$/.test(cfg.sqlflowDefaultDatasource)) {
    throw new FlagError(`--sqlflow-default-datasource must be SECRET_NAME:KEY; got ${cfg.sqlflowDefaultDatasource}`);
  }
  if ((cfg.apiTlsCert === undefined) !== (cfg.apiTlsKey === undefined)) throw new FlagError('--api-tls-cert and --api-tls-key go together; give both or neither');
  return cfg;
}

/** Splits "host:port" (":8080" = all interfaces) for net.listen; "0" or "" disables. */
export function parseAddr(addr: string, flag: string): { host: string | undefined; port: number } | undefined {
  if (addr === '0' || addr === '') return undefined;
  const i = addr.lastIndexOf(':');
  const host = i <= 0 ? undefined : addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new FlagError(`--${flag} must be host:port or :port; got ${addr}`);
  return { host, port };
}
