// Fixture for the vscode-tier tests: an HTTP server with Node's default keepAliveTimeout behind
// the load balancer of `bounded.loadBalancer` (server-keep-alive).
import * as http from 'node:http';

declare function handle(request: unknown, response: unknown): void;

export const gateway = http.createServer(handle);
gateway.listen(8080);
