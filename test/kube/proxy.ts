// A TCP proxy in front of the apiserver that a test can cut: TLS passes through untouched (the serving certificate
// is valid for 127.0.0.1 on any port), so clients behave exactly as with the real server until the test breaks
// their connections.
import net from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export interface CuttableProxy {
  url: string;
  /** Destroy every open connection (a network blip for all clients). */
  cut(): void;
  /** While down, new connections are closed at once (apiserver unreachable). */
  setDown(down: boolean): void;
  /** While frozen, no bytes flow in either direction but connections stay open (a black-holing middlebox). */
  setFrozen(frozen: boolean): void;
  connections(): number;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<CuttableProxy> {
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  let down = false;
  let frozen = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(t.port), t.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    cut: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    setDown: (d) => {
      down = d;
    },
    setFrozen: (f) => {
      frozen = f;
      for (const s of sockets) {
        if (f) s.pause();
        else s.resume();
      }
    },
    connections: () => sockets.size / 2,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The same credentials, pointed at another server URL. */
export function retarget(kc: KubeConfig, server: string): KubeConfig {
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.getClusters().map((c) => ({ ...c, server })),
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return out;
}
