// Servers of one's own on loopback (the bench's redis-server; the tests' redis-server and rsyslog): a free
// TCP port to give them, and waiting until one accepts connections.
import net from 'node:net';

/** A free TCP port on 127.0.0.1: bind port 0, read the port the kernel chose, release it. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Resolves once something accepts connections on 127.0.0.1:port; rejects after `ms`, naming `what`. */
export function waitListening(port: number, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > end) reject(new Error(`${what} did not listen on 127.0.0.1:${port} within ${ms} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
