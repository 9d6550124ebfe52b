// A loopback port for a service a test or script starts (redis-server, nginx, a Node inspector,
// code-server's receiver): one the OS hands out and releases, free a moment ago.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** `preferred` when nothing listens on it on 127.0.0.1, else a port free now (chosen by the OS). */
export function freeLoopbackPort(preferred = 0): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (preferred !== 0 && error.code === 'EADDRINUSE') freeLoopbackPort().then(resolvePromise, reject);
      else reject(error);
    });
    server.listen(preferred, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePromise(port));
    });
  });
}
