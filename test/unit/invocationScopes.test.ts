// The shared analysis behind listener-leak and uncleared-interval: which code runs many times, and
// which objects outlive it. Syntactic, so it is tested on parsed text without a program's types.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ts } from 'ts-morph';
import { ApiCatalogue } from '../../src/analyzer/catalogue';
import { InvocationScopes } from '../../src/analyzer/invocationScopes';

/** Parses `code` and finds the call whose text starts with `marker`. */
function setUp(code: string): { scopes: InvocationScopes; call: (marker: string) => ts.CallExpression } {
  const sourceFile = ts.createSourceFile('file.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const scopes = new InvocationScopes(sourceFile, new ApiCatalogue(sourceFile, () => undefined));
  const call = (marker: string): ts.CallExpression => {
    let found: ts.CallExpression | undefined;
    const visit = (node: ts.Node): void => {
      if (!found && ts.isCallExpression(node) && node.getText(sourceFile).startsWith(marker)) found = node;
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
    assert.ok(found, `no call starting with ${marker}`);
    return found;
  };
  return { scopes, call };
}

function kindOf(code: string, marker: string): string | undefined {
  const { scopes, call } = setUp(code);
  return scopes.repeatedScopeOf(call(marker))?.kind;
}

/** Does the receiver of the call at `marker` outlive the code around it that repeats (or its function)? */
function outlives(code: string, marker: string): boolean {
  const { scopes, call } = setUp(code);
  const node = call(marker);
  const callee = node.expression as ts.PropertyAccessExpression;
  let scope: ts.Node | undefined = scopes.repeatedScopeOf(node)?.node;
  for (let current: ts.Node = node.parent; !scope; current = current.parent) if (ts.isFunctionLike(current)) scope = current;
  return scopes.outlives(callee.expression, scope);
}

describe('invocation scopes: does this code run many times?', () => {
  it('finds request handlers by the catalogue and by route paths', () => {
    const app = "import express from 'express';\nconst app = express();\n";
    assert.equal(kindOf(`${app}app.post('/x', (req, res) => { work(); });`, 'work('), 'request handler');
    assert.equal(kindOf(`${app}const r = express.Router();\nr.use((req, res, next) => { work(); });`, 'work('), 'request handler');
    assert.equal(kindOf(`${app}app.route('/a').get((req, res) => { work(); });`, 'work('), 'request handler');
    assert.equal(kindOf("import Koa from 'koa';\nconst k = new Koa();\nk.use(async (ctx) => { work(); });", 'work('), 'request handler');
    assert.equal(kindOf("import http from 'node:http';\nhttp.createServer((req, res) => { work(); });", 'work('), 'request handler');
    assert.equal(kindOf("import { router } from './router';\nrouter.get('/users/:id', (req, res) => { work(); });", 'work('), 'request handler');
    assert.equal(kindOf("const cache = new Map();\ncache.get('key', () => { work(); });", 'work('), undefined);
  });

  it('finds listeners of repeating events, timer and consumer callbacks', () => {
    assert.equal(kindOf("wss.on('connection', (socket) => { work(); });", 'work('), 'event listener');
    assert.equal(kindOf("server.on('listening', () => { work(); });", 'work('), undefined);
    assert.equal(kindOf('setInterval(() => { work(); }, 1000);', 'work('), 'timer callback');
    assert.equal(kindOf('setTimeout(() => { work(); }, 1000);', 'work('), undefined);
    assert.equal(kindOf('consumer.run({ eachMessage: async () => { work(); } });', 'work('), 'consumer callback');
    assert.equal(kindOf('channel.consume(queue, (msg) => { work(); });', 'work('), 'consumer callback');
  });

  it('finds unbounded loops inside functions, not loops over collections or start-up loops', () => {
    assert.equal(kindOf('async function run() { while (true) { work(); } }', 'work('), 'loop body');
    assert.equal(kindOf('async function run() { for (;;) work(); }', 'work('), 'loop body');
    assert.equal(kindOf('async function run(stream) { for await (const chunk of stream) work(); }', 'work('), 'loop body');
    assert.equal(kindOf('function f(items) { for (const item of items) work(); }', 'work('), undefined);
    assert.equal(kindOf('function f(items) { items.forEach(() => work()); }', 'work('), undefined);
    assert.equal(kindOf('function f() { for (let i = 0; i < 3; i++) work(); }', 'work('), undefined);
    assert.equal(kindOf('while (true) work();', 'work('), undefined);
    assert.equal(kindOf('async function run() { while (true) { if (x) { work(); return; } } }', 'work('), undefined);
  });

  it('follows calls within the file, and stops at recursion', () => {
    const code = 'function helper() { work(); }\nfunction handle() { helper(); }\nasync function run() { for (;;) handle(); }';
    const { scopes, call } = setUp(code);
    const scope = scopes.repeatedScopeOf(call('work('));
    assert.equal(scope?.kind, 'called repeatedly');
    assert.match(scope?.description ?? '', /helper, called from handle, called from the loop on line 3/);
    assert.equal(kindOf('function again() { work(); again(); }\nagain();', 'work('), undefined);
    assert.equal(kindOf("function onMessage() { work(); }\nws.on('message', onMessage);", 'work('), 'called repeatedly');
    assert.equal(kindOf('class C { tick() { work(); } start() { setInterval(() => this.tick(), 10); } }', 'work('), 'called repeatedly');
    assert.equal(kindOf('function main() { work(); }\nmain();', 'work('), undefined);
  });
});

describe('invocation scopes: does this object outlive it?', () => {
  it('module-level bindings, process, imports and this fields do', () => {
    assert.equal(outlives("const bus = new E();\nwss.on('connection', () => { bus.on('x', f); });", 'bus.on'), true);
    assert.equal(outlives("wss.on('connection', () => { process.on('x', f); });", 'process.on'), true);
    assert.equal(outlives("import { bus } from './bus';\nwss.on('connection', () => { bus.on('x', f); });", 'bus.on'), true);
    assert.equal(outlives("const { bus } = require('./bus');\nwss.on('connection', () => { bus.on('x', f); });", 'bus.on'), true);
    assert.equal(outlives("class C { m() { this.signal.addEventListener('abort', f); } }", 'this.signal'), true);
    assert.equal(outlives("const c = new AbortController();\nfunction h() { const s = c.signal; s.addEventListener('abort', f); }", 's.add'), true);
  });

  it('a signal passed in does; fresh objects and the arguments of handlers do not', () => {
    assert.equal(outlives("async function request(url, { signal }) { signal.addEventListener('abort', f); }", 'signal.add'), true);
    assert.equal(outlives("async function request(url, options) { options.signal.addEventListener('abort', f); }", 'options.signal'), true);
    assert.equal(outlives("function attach(server) { server.on('request', f); }", 'server.on'), false);
    assert.equal(outlives("wss.on('connection', (socket) => { socket.on('message', f); });", 'socket.on'), false);
    assert.equal(outlives("app.get('/x', (req, res) => { req.on('close', f); });", 'req.on'), false);
    assert.equal(outlives("function h() { const req = http.request(u); req.on('error', f); }", 'req.on'), false);
    assert.equal(outlives("async function run(next) { for (;;) { const job = await next(); job.on('done', f); } }", 'job.on'), false);
    assert.equal(outlives("function run(bus) { for (;;) { bus.on('done', f); } }", 'bus.on'), true);
  });
});
