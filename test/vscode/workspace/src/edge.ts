// Fixture for the vscode-tier tests: Fastify's 72 s keep-alive outlasts the AWS ALB's 60 s, not the
// 600 s of Google Cloud's load balancer (server-keep-alive, with `bounded.loadBalancer`).
import * as http from 'node:http';
import Fastify from 'fastify';

declare function handle(request: unknown, response: unknown): void;

export const edge = Fastify({ logger: true });

export const metrics = http.createServer(handle);
metrics.listen(9464);
