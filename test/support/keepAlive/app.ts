// The service behind the load balancer: a plain node:http server that answers every request with
// "ok" once it has read the body. `--fixed` applies the fix the `server-keep-alive` rule inserts
// for a 60 s idle timeout (nginx's upstream keepalive_timeout, an AWS ALB's default); without it the
// server keeps Node's defaults (keepAliveTimeout 5000 ms up to Node 25).
// Prints its port on stdout, exits when stdin closes (its parent went away) or after --lifetime ms.
import * as http from 'node:http';

const fixed = process.argv.includes('--fixed');
const lifetimeAt = process.argv.indexOf('--lifetime');
const lifetimeMs = lifetimeAt >= 0 ? Number(process.argv[lifetimeAt + 1]) : 180_000;

const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
    response.end('ok');
  });
});
if (fixed) {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port, keepAliveTimeout: server.keepAliveTimeout })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), lifetimeMs).unref();
