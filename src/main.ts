// sqlflow-operator: wiring only. Flags → clients → controller (+ leader election) → endpoints.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Controller } from './controller/controller.ts';
import { JobSource, type SharedInformers } from './fetch/source.ts';
import { Metrics } from './controller/metrics.ts';
import { loadKubeConfig } from './kube/client.ts';
import { EventRecorder } from './kube/events.ts';
import { LeaderElector } from './kube/leader.ts';
import { createLogger, parseLogLevel } from './kube/logger.ts';
import { Resources } from './kube/resources.ts';
import { FlagError, parseAddr, parseFlags, usage } from './operator/flags.ts';
import { serveHealth, serveMetrics, type Listening } from './operator/http.ts';
import { startApiServer, type ApiServer } from './server/index.ts';

async function main(): Promise<number> {
  let cfg;
  try {
    cfg = parseFlags(process.argv.slice(2));
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`sqlflow-operator: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (cfg === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const log = createLogger({ level: parseLogLevel(cfg.logLevel), fields: { component: 'sqlflow-operator' } });
  const { kc, origin } = loadKubeConfig(cfg.kubeconfig ? { kubeconfig: cfg.kubeconfig } : {});
  const identity = `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
  log.info('starting', { identity, kubeconfig: origin, server: kc.getCurrentCluster()?.server, namespace: cfg.namespace ?? '(all)', leaderElect: cfg.leaderElect });

  const metrics = new Metrics();
  const events = new EventRecorder({
    api: new Resources(kc), reportingController: 'sqlflow.org/sqlflow-operator', reportingInstance: identity, logger: log,
    // Events wait while jobs wait for their Workflows (a burst), like the status writes in the queue's background lane.
    gate: () => controller.queue.whenQuiet(),
  });
  const controller = new Controller({
    kc, events, metrics, log, workers: cfg.workers,
    ...(cfg.namespace ? { namespace: cfg.namespace } : {}),
    defaults: { ...(cfg.stepImage ? { image: cfg.stepImage } : {}), ...(cfg.stepCommand ? { command: cfg.stepCommand } : {}) },
  });

  const endpoints: Listening[] = [];
  const metricsAddr = parseAddr(cfg.metricsAddr, 'metrics-addr');
  if (metricsAddr) endpoints.push(await serveMetrics(metrics.registry, metricsAddr));
  const healthAddr = parseAddr(cfg.healthAddr, 'health-addr');
  if (healthAddr) endpoints.push(await serveHealth(() => controller.notReadyReason(), healthAddr));
  for (const e of endpoints) log.info('listening', { port: e.port });

  const waiting = setInterval(() => log.warn('waiting for caches', { reason: controller.notReadyReason() }), 15_000);
  await controller.startCaches();
  clearInterval(waiting);
  log.info('caches synced');

  // The API is stateless: every replica serves it, leader or not.
  let api: ApiServer | undefined;
  const apiAddr = parseAddr(cfg.apiAddr, 'api-addr');
  if (apiAddr) {
    api = await startApiServer({
      // One set of caches per process: over every namespace the controller's informers serve Fetch as well.
      ...(cfg.namespace ? {} : { source: JobSource.over(controller as unknown as SharedInformers) }),
      kc, port: apiAddr.port, ...(apiAddr.host ? { host: apiAddr.host } : {}), logger: log,
      auth: cfg.apiAuth === 'none' ? 'none' : 'kubernetes',
      ...(cfg.apiTlsCert && cfg.apiTlsKey ? { tls: { certFile: cfg.apiTlsCert, keyFile: cfg.apiTlsKey } } : {}),
      sqlflow: {
        ...(cfg.sqlflowNamespace ? { defaultNamespace: cfg.sqlflowNamespace } : {}),
        ...(cfg.sqlflowDefaultDatasource ? { defaultDatasource: cfg.sqlflowDefaultDatasource } : {}),
      },
    });
  }

  let elector: LeaderElector | undefined;
  let exitCode = 0;
  let stopping = false;
  const done = new Promise<void>((resolve) => {
    const shutdown = async (why: string, code: number) => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      log.info('shutting down', { why });
      await api?.close();
      await controller.stop(); // stop watches, let running reconciles finish
      await events.flush();
      await elector?.stop(); // releases the Lease so a standby takes over at once
      metrics.leader.set(0);
      await Promise.all(endpoints.map((e) => e.close()));
      resolve();
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
    process.once('SIGINT', () => void shutdown('SIGINT', 0));
    if (cfg.leaderElect) {
      const leNamespace = cfg.leaderElectionNamespace ?? process.env.POD_NAMESPACE ?? cfg.namespace ?? 'default';
      elector = new LeaderElector({
        api: new Resources(kc), namespace: leNamespace, name: cfg.leaderElectionId, identity, logger: log,
        onStartedLeading: () => {
          log.info('became leader', { lease: `${leNamespace}/${cfg.leaderElectionId}` });
          metrics.leader.set(1);
          controller.startWorkers();
        },
        // Another replica may act from now on: stop at once and let Kubernetes restart us as a standby.
        onStoppedLeading: () => void shutdown('lost leadership', stopping ? exitCode : 1),
      });
      void elector.run();
    } else {
      metrics.leader.set(1);
      controller.startWorkers();
    }
  });
  await done;
  log.info('stopped');
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`sqlflow-operator: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
