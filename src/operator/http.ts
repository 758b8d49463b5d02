// The operator's small HTTP endpoints: Prometheus metrics, and health probes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Listening {
  server: Server;
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server, addr: { host: string | undefined; port: number }): Promise<Listening> {
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(addr.port, addr.host, () => ok());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

export function serveMetrics(registry: Registry, addr: { host: string | undefined; port: number }): Promise<Listening> {
  return listen(createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found; try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500).end(`${String(e)}\n`),
    );
  }), addr);
}

/** /healthz: the process serves. /readyz: `ready()` says the caches are synced (503 with the reason otherwise). */
export function serveHealth(ready: () => string | undefined, addr: { host: string | undefined; port: number }): Promise<Listening> {
  return listen(createServer((req, res) => {
    if (req.url === '/healthz' || req.url === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (req.url === '/readyz') {
      const notReady = ready();
      res.writeHead(notReady ? 503 : 200, { 'Content-Type': 'text/plain' }).end(notReady ? `${notReady}\n` : 'ok\n');
    } else {
      res.writeHead(404).end('not found; try /healthz or /readyz\n');
    }
  }), addr);
}
