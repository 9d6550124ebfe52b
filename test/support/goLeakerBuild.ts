// The Go service of test/support/goLeaker for the pprof and metrics tests: built with Debian's
// golang-go (in .ci/run) in GOPATH mode (it imports only the standard library), its caches in the
// given folder; and the line of main.go where its leaked goroutines block.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const goLeakerSource = path.join(__dirname, 'goLeaker', 'main.go');

/** Builds the service into `folder` (a scratch folder) and returns the binary's path; fails the test if go build fails. */
export function buildGoLeaker(folder: string): string {
  const binary = path.join(folder, 'goLeaker');
  const built = spawnSync('go', ['build', '-o', binary, goLeakerSource], {
    cwd: path.dirname(goLeakerSource),
    env: { ...process.env, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: path.join(folder, 'gocache'), GOPATH: path.join(folder, 'gopath') },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(built.status, 0, `go build failed (Debian's golang-go is in .ci/run):\n${built.error?.message ?? ''}${built.stderr}`);
  return binary;
}

/** The 1-based line of `<-never` in leakedWorker: where a leaked goroutine's stack points (0 if not found). */
export function goLeakerLeakLine(): number {
  return fs.readFileSync(goLeakerSource, 'utf8').split('\n').findIndex((line, index, lines) => line.trim() === '<-never' && lines[index - 1].startsWith('func leakedWorker')) + 1;
}
