// Runs the test tiers and prints one closing line: "N passed, N failed".
// Unit and integration tiers use node's test runner (through tsx); the vscode tier runs mocha
// suites inside a real VS Code extension host (code-server + headless Chromium, see test/vscode).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tiers = process.argv.slice(2);
const wanted = tiers.length === 0 || tiers.includes('all') ? ['unit', 'integration', 'vscode'] : tiers;

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (name === 'fixtures' || name === 'node_modules') continue;
    if (statSync(full).isDirectory()) out.push(...findTests(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

function run(command, args) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function count(output, pattern) {
  const matches = [...output.matchAll(pattern)];
  return matches.length ? Number(matches[matches.length - 1][1]) : 0;
}

let passed = 0;
let failed = 0;
let broken = false;
for (const tier of wanted) {
  process.stdout.write(`\n=== ${tier} tests ===\n`);
  if (tier === 'vscode') {
    const result = await run(process.execPath, ['--import', 'tsx', 'test/vscode/runInCodeServer.ts']);
    const p = count(result.output, /^\s*(\d+) passing/gm);
    const f = count(result.output, /^\s*(\d+) failing/gm);
    passed += p;
    failed += f;
    if (result.code !== 0 && f === 0) { failed += 1; broken = true; }
    continue;
  }
  const files = findTests(join('test', tier));
  if (files.length === 0) continue;
  const result = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files]);
  const p = count(result.output, /^ℹ pass (\d+)/gm);
  const f = count(result.output, /^ℹ fail (\d+)/gm);
  passed += p;
  failed += f;
  if (result.code !== 0 && f === 0) { failed += 1; broken = true; }
}
if (broken) process.stdout.write('(a tier exited non-zero without reporting a failing test; counted as one failure)\n');
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 ? 1 : 0;
