import net from 'node:net';

export interface SilentServer {
  port: number;
  /** host:port of it. */
  address: string;
  /** Connections it accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A TCP port that accepts connections and never answers: what a relay meets when PostgreSQL or
 * Kafka hangs, or a firewall swallows packets after the handshake. Counting its connections also
 * shows that a command connected nowhere.
 */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface FreezableProxy {
  port: number;
  /** Stops passing bytes either way (connections stay open, new ones wait): the server seems hung. */
  freeze(): void;
  /** Passes bytes again, the held ones first. */
  thaw(): void;
  close(): Promise<void>;
}

/** A TCP proxy to `target` that can freeze: for a database that answers at first, then stops answering. */
export async function startFreezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false;
  const pairs = new Set<[net.Socket, net.Socket]>();
  const waiting = new Set<() => void>();
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    client.pause();
    const connectUpstream = () => {
      const upstream = net.connect(target.port, target.host);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      const pair: [net.Socket, net.Socket] = [client, upstream];
      pairs.add(pair);
      client.on('close', () => pairs.delete(pair));
      client.pipe(upstream);
      upstream.pipe(client);
    };
    if (frozen) waiting.add(connectUpstream);
    else connectUpstream();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const connect of waiting) connect();
      waiting.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [client, upstream] of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
