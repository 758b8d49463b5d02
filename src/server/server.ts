// startApiServer: the gRPC / gRPC-Web / Connect API on one port, run by every operator replica (stateless, no
// leader needed: tokens carry all positions; each replica has its own informers and reader cache).
//
// One port, every protocol: with TLS, ALPN picks HTTP/2 or HTTP/1.1 (http2.createSecureServer with allowHTTP1).
// Without TLS, HTTP/2 must be spoken with prior knowledge (h2c, what gRPC clients do) and plain HTTP/1.1 (curl,
// fetch, browsers' gRPC-Web) must work too; Node's http2 has no cleartext fallback, so the first bytes of each
// connection are sniffed: the HTTP/2 preface goes to the HTTP/2 server, anything else to the HTTP/1.1 server.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { ReaderCache } from '../fetch/cache.ts';
import { Fetcher } from '../fetch/fetch.ts';
import { JobSource } from '../fetch/source.ts';
import { StatusRecorder } from '../fetch/status.ts';
import { type Logger, silentLogger } from '../kube/logger.ts';
import { Resources } from '../kube/resources.ts';
import { SQLFlowService } from '../gen/sqlflow/v1/sqlflow_pb.ts';
import { allowAll, KubernetesAuthorizer, type Authorizer } from './auth.ts';
import { sqlflowService } from './service.ts';
import { SQLFlow } from '../gen/proto/sqlflow_pb.ts';
import { sqlflowProtoService, type SQLFlowProtoOptions } from './sqlflow_service.ts';

export interface ApiServerOptions {
  /** The operator's identity: every Kubernetes call after authorization is made with it. */
  kc: KubeConfig;
  /** 0 = any free port. */
  port: number;
  /** Default 0.0.0.0. */
  host?: string;
  /** 'kubernetes' (TokenReview + SubjectAccessReview) or 'none' (local stack only; logged as a warning). */
  auth: 'kubernetes' | 'none' | Authorizer;
  /** PEM files; with them the port speaks TLS (HTTP/2 and HTTP/1.1 by ALPN). */
  tls?: { certFile: string; keyFile: string };
  logger?: Logger;
  /** Reader cache tuning (idle eviction, size bound). */
  readerIdleMs?: number;
  maxReaders?: number;
  /** Minimum interval between status.logs writes per job (default 3 s). */
  statusIntervalMs?: number;
  /** SQLFlow's own proto.SQLFlow service (its Python client): default namespace and datasource. */
  sqlflow?: Partial<SQLFlowProtoOptions>;
  /** Caches to read (the controller's, over every namespace); default: the server runs its own informers. */
  source?: JobSource;
}

export interface ApiServer {
  port: number;
  close(): Promise<void>;
  /** For metrics and tests. */
  fetcher: Fetcher;
  cache: ReaderCache;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');
const DRAIN_MS = 300;

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const log = (o.logger ?? silentLogger).child({ component: 'api' });
  const kube = new Resources(o.kc);
  let auth: Authorizer;
  if (o.auth === 'none') {
    log.warn('API AUTHENTICATION IS OFF (auth: none): anyone who reaches this port can run jobs and read every job\'s logs with the operator\'s rights. Use it only for a local stack.');
    auth = allowAll;
  } else if (o.auth === 'kubernetes') {
    auth = new KubernetesAuthorizer(kube, { logger: log });
  } else {
    auth = o.auth;
  }
  const source = o.source ?? new JobSource(o.kc, {}, log);
  await source.start();
  const cache = new ReaderCache({ ...(o.readerIdleMs !== undefined ? { idleMs: o.readerIdleMs } : {}), ...(o.maxReaders !== undefined ? { maxReaders: o.maxReaders } : {}) });
  const status = new StatusRecorder(kube, { logger: log, ...(o.statusIntervalMs !== undefined ? { intervalMs: o.statusIntervalMs } : {}) });
  const fetcher = new Fetcher({ kc: o.kc, source, cache, status, logger: log });
  // proto.SQLFlow's client does not retry a failed Fetch: on shutdown, held Fetches answer first (see close).
  const closing = new AbortController();
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(SQLFlowService, sqlflowService({ fetcher, source, kube, auth, logger: log }));
      router.service(SQLFlow, sqlflowProtoService({ fetcher, source, kube, auth, logger: log, closing: closing.signal }, { defaultNamespace: 'default', ...o.sqlflow }));
    },
    // Long polls may wait up to 60 s; do not let the adapter's default limits cut them.
    readMaxBytes: 16 * 1024 * 1024,
  });

  let listener: net.Server;
  const sessions = new Set<http2.Http2Session>();
  const sockets = new Set<net.Socket>();
  if (o.tls) {
    const srv = http2.createSecureServer({ cert: readFileSync(o.tls.certFile), key: readFileSync(o.tls.keyFile), allowHTTP1: true }, handler);
    srv.on('session', (s) => {
      sessions.add(s);
      s.on('close', () => sessions.delete(s));
    });
    listener = srv;
  } else {
    const h1 = http.createServer(handler);
    h1.keepAliveTimeout = 65_000;
    const h2 = http2.createServer({}, handler);
    h2.on('session', (s) => {
      sessions.add(s);
      s.on('close', () => sessions.delete(s));
    });
    listener = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.once('readable', function sniff() {
        const head = socket.read() as Buffer | null;
        if (head === null) {
          if (!socket.destroyed && !socket.readableEnded) socket.once('readable', sniff);
          return;
        }
        socket.unshift(head);
        const n = Math.min(head.length, H2_PREFACE.length);
        if (head.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) h2.emit('connection', socket);
        else h1.emit('connection', socket);
      });
      socket.on('error', () => socket.destroy());
    });
  }
  await new Promise<void>((ok, fail) => {
    listener.once('error', fail);
    listener.listen(o.port, o.host ?? '0.0.0.0', () => ok());
  });
  const port = (listener.address() as AddressInfo).port;
  log.info('API listening', { port, host: o.host ?? '0.0.0.0', tls: !!o.tls, auth: typeof o.auth === 'string' ? o.auth : 'custom' });
  let closed: Promise<void> | undefined;
  return {
    port,
    fetcher,
    cache,
    close: () =>
      (closed ??= (async () => {
        const done = new Promise<void>((ok) => listener.close(() => ok()));
        closing.abort();
        // Let the answers of the Fetches just released go out before the connections are cut.
        await new Promise((ok) => setTimeout(ok, DRAIN_MS));
        for (const s of sessions) s.close();
        for (const s of sessions) s.destroy();
        for (const s of sockets) s.destroy();
        if ('closeAllConnections' in listener) (listener as http.Server).closeAllConnections();
        await done;
        await status.flush();
        cache.close();
        await source.stop();
      })()),
  };
}
