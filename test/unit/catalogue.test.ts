// The API catalogue recognises well-known APIs by import and export name, without type declarations
// (a fresh clone, plain JS) and with them (re-exports, instances, aliases).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ts } from 'ts-morph';
import { ApiCatalogue } from '../../src/analyzer/catalogue';
import { inferredCompilerOptions } from '../../src/analyzer/configLoader';
import { AnalysedProject, FileStore } from '../../src/analyzer/project';
import { scratchFolder } from '../support/scratchFolder';

const scratch = scratchFolder('catalogue');
const write = scratch.write;

/** Resolves every call and `new` target in a file: callee text -> `module#name`. */
function resolveCallees(file: string): Record<string, string> {
  const project = new AnalysedProject(undefined, inferredCompilerOptions(), [file], new FileStore(), ts.createDocumentRegistry(true, undefined, ts.JSDocParsingMode.ParseForTypeInfo));
  const program = project.program();
  const sourceFile = program.getSourceFile(file);
  assert.ok(sourceFile);
  const catalogue = new ApiCatalogue(sourceFile, () => program.getTypeChecker());
  const out: Record<string, string> = {};
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = node.expression;
      const text = callee.getText(sourceFile);
      if (text !== 'require') {
        const ref = catalogue.resolve(callee);
        out[text] = ref ? `${ref.module}#${ref.name}` : '-';
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  project.dispose();
  return out;
}

describe('API catalogue', () => {
  it('resolves imports and requires without any type declarations installed', () => {
    const file = write('untyped/service.ts', `
import { Pool } from 'pg';
import pg from 'pg';
import * as http from 'node:http';
import { createServer as makeServer } from 'https';
import express = require('express');
const { Agent } = require('undici');
const Redis = require('ioredis');
const mysqlPool = require('mysql2/promise').createPool;

new Pool();
new pg.Pool();
http.createServer();
makeServer();
express();
new Agent();
new Redis();
mysqlPool();
fetch('https://example.com');
globalThis.setTimeout(() => undefined, 1);
unknownThing();
`);
    assert.deepEqual(resolveCallees(file), {
      Pool: 'pg#Pool',
      'pg.Pool': 'pg#Pool',
      'http.createServer': 'http#createServer',
      makeServer: 'https#createServer',
      express: 'express#',
      Agent: 'undici#Agent',
      Redis: 'ioredis#',
      mysqlPool: 'mysql2/promise#createPool',
      fetch: 'global#fetch',
      'globalThis.setTimeout': 'global#setTimeout',
      unknownThing: '-',
    });
  });

  it('answers which modules a file imports and under which local names', () => {
    const file = write('untyped/imports.ts', `
import pMap from 'p-map';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { setInterval as every, setTimeout } from 'timers';
const express = require('express');
`);
    const project = new AnalysedProject(undefined, inferredCompilerOptions(), [file], new FileStore(), ts.createDocumentRegistry(true, undefined, ts.JSDocParsingMode.ParseForTypeInfo));
    const sourceFile = project.program().getSourceFile(file);
    assert.ok(sourceFile);
    const catalogue = new ApiCatalogue(sourceFile, () => undefined);
    assert.ok(catalogue.importsModule('express'));
    assert.ok(catalogue.importsModule('node:pg'), 'type-only imports count, and node: is normalised');
    assert.ok(!catalogue.importsModule('koa'));
    assert.deepEqual(catalogue.importedAs('sleep'), { module: 'timers/promises', name: 'setTimeout' });
    assert.equal(catalogue.importedAs('load'), undefined);
    assert.deepEqual(catalogue.localNames('p-map', 'default'), ['pMap']);
    assert.deepEqual(catalogue.localNames('timers').sort(), ['every', 'setTimeout']);
    assert.deepEqual(catalogue.localNames('pg'), [], 'type-only imports name no value');
    project.dispose();
  });

  it('does not take a local declaration for a global', () => {
    const file = write('untyped/shadow.js', `
function fetch(url) { return url; }
fetch('x');
setInterval(() => undefined, 1000);
`);
    assert.deepEqual(resolveCallees(file), { fetch: '-', setInterval: 'global#setInterval' });
  });

  it('uses type declarations for re-exports, aliases and instance methods', () => {
    write('typed/node_modules/@types/pg/package.json', JSON.stringify({ name: '@types/pg', version: '8.0.0', types: 'index.d.ts' }));
    write('typed/node_modules/@types/pg/index.d.ts', `
export interface PoolConfig { max?: number; connectionTimeoutMillis?: number }
export class Pool {
  constructor(config?: PoolConfig);
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}
`);
    write('typed/node_modules/pg/package.json', JSON.stringify({ name: 'pg', version: '8.0.0', main: 'index.js' }));
    write('typed/node_modules/pg/index.js', 'exports.Pool = class Pool {};');
    write('typed/src/db.ts', `export { Pool as DatabasePool } from 'pg';\n`);
    const file = write('typed/src/repository.ts', `
import { DatabasePool } from './db';
const Alias = DatabasePool;
const pool = new DatabasePool({ max: 5 });
new Alias();
pool.query('select 1');
setTimeout(() => undefined, 1);
`);
    assert.deepEqual(resolveCallees(file), {
      DatabasePool: 'pg#Pool',
      Alias: 'pg#Pool',
      'pool.query': 'pg#Pool.query',
      setTimeout: 'global#setTimeout',
    });
  });
});
