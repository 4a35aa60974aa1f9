import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets every open connection and refuses new ones until `restore`. */
  cut: () => void;
  restore: () => void;
  close: () => Promise<void>;
}

/** A TCP proxy on an ephemeral local port in front of host:port, to make a server unreachable on demand. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    // Keep the port while down, so nothing else takes it; a reset looks like a dead server.
    if (down) return void client.resetAndDestroy();
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      open.add(s);
      s.once('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    down = true;
    for (const s of open) s.resetAndDestroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut,
    restore: () => void (down = false),
    close: () => {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
