// Live and static findings on one line, in the real VS Code: the fixture workspace's
// src/requestPollers.ts starts a dropped setInterval per request (uncleared-interval). The suite
// compiles it with esbuild (source maps), runs it under --enable-source-maps with an inspector,
// attaches with leak sites on and a short leak window (the attach command's test-only options), and
// sends it real HTTP requests: a "Bounded (live)" diagnostic appears on the setInterval line next to
// the static one, each with relatedInformation pointing at the other; killing the process takes the
// live diagnostic (and the static one's link) away.
import * as assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import { extensionId, fixtureUri } from './fixture';
import { spawnNode } from './spawnedNode';
import { waitUntil } from './waitUntil';

const execFileAsync = promisify(execFile);
const liveSource = 'Bounded (live)';

function codeOf(diagnostic: vscode.Diagnostic): string | undefined {
  return typeof diagnostic.code === 'object' ? String(diagnostic.code.value) : diagnostic.code === undefined ? undefined : String(diagnostic.code);
}

function onLine(uri: vscode.Uri, line: number, match: (diagnostic: vscode.Diagnostic) => boolean): vscode.Diagnostic | undefined {
  return vscode.languages.getDiagnostics(uri).find((diagnostic) => diagnostic.range.start.line === line && match(diagnostic));
}

const isStatic = (diagnostic: vscode.Diagnostic) => diagnostic.source === 'bounded' && codeOf(diagnostic) === 'uncleared-interval';
const isLive = (diagnostic: vscode.Diagnostic) => diagnostic.source === liveSource && codeOf(diagnostic) === 'handle-leak';

function get(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    sent.on('error', reject);
    sent.end();
  });
}

suite('live correlation: a leak site next to its static finding', () => {
  let folder: string;
  let child: ChildProcess | undefined;
  let load: ReturnType<typeof setInterval> | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    folder = await mkdtemp(join(tmpdir(), 'bounded-live-correlation-'));
  });

  suiteTeardown(async () => {
    clearInterval(load);
    child?.kill('SIGKILL');
    await vscode.commands.executeCommand('bounded.detachNodeProcess');
    await rm(folder, { recursive: true, force: true });
  });

  test('the live diagnostic sits on the leaking line, linked both ways with uncleared-interval, and goes with the process', async () => {
    const uri = fixtureUri('src', 'requestPollers.ts');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const line = document.getText().split('\n').findIndex((text) => text.includes('setInterval('));
    assert.ok(line > 0);
    const staticFinding = await waitUntil('the static uncleared-interval diagnostic', () => onLine(uri, line, isStatic), 60_000);
    assert.equal(staticFinding.relatedInformation?.length ?? 0, 0, 'no live link before anything runs');

    // Compiled with source maps, outside the workspace; the runner serves on a free port.
    const extensionPath = vscode.extensions.getExtension(extensionId)!.extensionPath;
    const compiled = join(folder, 'requestPollers.js');
    await execFileAsync(join(extensionPath, 'node_modules', 'esbuild', 'bin', 'esbuild'), [uri.fsPath, `--outfile=${compiled}`, '--format=cjs', '--platform=node', '--sourcemap']);
    const runner = join(folder, 'runner.cjs');
    await writeFile(runner, `require('./requestPollers.js').pollingServer().listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });\n`);
    const { process: started, stdout, stderr } = spawnNode(['--enable-source-maps', '--inspect=127.0.0.1:0', runner]);
    child = started;
    const httpPort = await waitUntil('the service to listen with its inspector open', () => {
      const listening = /listening (\d+)/.exec(stdout());
      return listening && /Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//.test(stderr()) ? Number(listening[1]) : undefined;
    }, 10_000);

    const endpoint = await vscode.commands.executeCommand<string | undefined>('bounded.attachNodeProcess', {
      pid: started.pid,
      confirmed: true,
      sampleIntervalMs: 100,
      leak: { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 10 },
      leakSites: { sampleRate: 1 },
    });
    assert.ok(endpoint, 'attached');
    // Real requests, one every 20 ms: one more open Timeout each.
    load = setInterval(() => void get(httpPort).catch(() => undefined), 20);

    const live = await waitUntil('a live diagnostic on the setInterval line', () => onLine(uri, line, isLive), 30_000);
    assert.match(live.message, /^Live: [\d,]+ Timeout handles created here are still open, \+[\d,.]+\/min/);
    assert.equal(live.severity, vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(
      live.relatedInformation?.map((related) => [related.location.uri.toString(), related.location.range.start.line]),
      [[uri.toString(), line]],
      'the live diagnostic points at the static finding',
    );
    assert.match(live.relatedInformation![0].message, /^uncleared-interval: /);
    const linked = await waitUntil('the static diagnostic to point at the live one', () => {
      const found = onLine(uri, line, isStatic);
      return found?.relatedInformation?.some((related) => related.location.uri.toString() === uri.toString() && related.location.range.start.line === line && related.message.startsWith('Live: ')) ? found : undefined;
    }, 10_000);
    assert.equal(linked.message, staticFinding.message, 'the static diagnostic is the server\'s own, with the link added');

    clearInterval(load);
    started.kill('SIGKILL');
    await waitUntil('the live diagnostic to go with the process', () => (onLine(uri, line, isLive) === undefined ? true : undefined), 15_000);
    await waitUntil('the static diagnostic to lose its link', () => (onLine(uri, line, isStatic)?.relatedInformation?.length ?? 0) === 0 || undefined, 10_000);
    assert.ok(onLine(uri, line, isStatic), 'the static finding stays');
  });
});
