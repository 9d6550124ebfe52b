// Fixture for the liveCorrelation vscode suite: every request starts a poller and drops its handle
// (uncleared-interval), so the running server leaks one Timeout per request. The suite compiles
// this file with source maps and runs it under --enable-source-maps, so the leak site is this line.
import { createServer, type Server } from 'node:http';

export function pollingServer(): Server {
  return createServer((request, response) => {
    setInterval(() => undefined, 60_000);
    response.end('ok');
  });
}
