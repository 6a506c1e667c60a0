import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a simulator that can be cut like a failed link or a dead server: while cut, every
 * connection (open or new) is reset, so the gateway sees the network error of a real outage, not a tidy 503.
 */
export class OutageLink {
  private down = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(targetUrl: string): Promise<OutageLink> {
    const target = new URL(targetUrl);
    let proxy!: OutageLink;
    const server = createServer((client) => {
      if (proxy.down) return void client.resetAndDestroy();
      const upstream = connect(Number(target.port), target.hostname);
      proxy.track(client);
      proxy.track(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const port = (server.address() as { port: number }).port;
    proxy = new OutageLink(server, `http://127.0.0.1:${port}`);
    return proxy;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  /** The destination goes away: open connections are reset, new ones refused the same way. */
  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((closed) => this.server.close(() => closed()));
  }
}
