import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { type EditedFixture, openFixture } from './fixture';
import { waitUntil } from './waitUntil';

const timeoutMs = 60_000;

function serverKeepAlive(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'bounded' && (typeof d.code === 'object' ? d.code.value : d.code) === 'server-keep-alive');
}

/** The server-keep-alive diagnostics of a document, once `probe` accepts them. */
function waitForKeepAlive(description: string, uri: vscode.Uri, probe: (found: vscode.Diagnostic[]) => boolean): Promise<vscode.Diagnostic[]> {
  return waitUntil(description, () => {
    const found = serverKeepAlive(uri);
    return probe(found) ? found : undefined;
  }, timeoutMs);
}

suite('server-keep-alive in the editor', function () {
  this.timeout(timeoutMs * 4);
  const opened: EditedFixture[] = [];

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('bounded').update('loadBalancer', undefined, vscode.ConfigurationTarget.Workspace);
    for (const fixture of opened) await fixture.restore();
  });

  test("Node's default keep-alive behind the ALB is reported, and the quick fix sets both timeouts", async () => {
    const fixture = await openFixture('src', 'gateway.ts');
    opened.push(fixture);
    const { document } = fixture;
    const [diagnostic] = await waitForKeepAlive('a server-keep-alive diagnostic', document.uri, (found) => found.length > 0);
    assert.equal(document.getText(diagnostic.range), 'http.createServer');
    assert.match(diagnostic.message, /keepAliveTimeout is 5 s .* not above the AWS ALB idle timeout \(60 s\)/);

    const actions = await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', document.uri, diagnostic.range);
    const fix = actions.find((a): a is vscode.CodeAction => 'edit' in a && a.title.startsWith('Set keepAliveTimeout'));
    assert.ok(fix?.edit, `a "Set keepAliveTimeout" quick fix among: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));

    assert.match(document.getText(), /\n\/\/ above the AWS ALB idle timeout \(60 s\)\ngateway\.keepAliveTimeout = 65000;\ngateway\.headersTimeout = 66000;\n/);
    await waitForKeepAlive('the diagnostic to clear', document.uri, (found) => found.length === 0);
  });

  test('changing bounded.loadBalancer re-checks the open file without a restart', async () => {
    const fixture = await openFixture('src', 'edge.ts');
    opened.push(fixture);
    const { document } = fixture;
    const lineOf = (d: vscode.Diagnostic): string => document.lineAt(d.range.start.line).text;

    // Behind the default AWS ALB only the plain Node server is too short; Fastify's 72 s is enough.
    const alb = await waitForKeepAlive('the ALB finding on the Node server', document.uri, (found) => found.length > 0);
    assert.deepEqual(alb.map(lineOf), ['export const metrics = http.createServer(handle);']);

    await vscode.workspace.getConfiguration('bounded').update('loadBalancer', 'gcp', vscode.ConfigurationTarget.Workspace);
    const gcp = await waitForKeepAlive('the Fastify finding behind gcp', document.uri, (found) => found.length === 2);
    const fastify = gcp.find((d) => lineOf(d).includes('Fastify('));
    assert.ok(fastify, `a finding on Fastify() among: ${gcp.map(lineOf).join(' | ')}`);
    assert.match(fastify.message, /72 s \(Fastify's default\), not above the Google Cloud load balancer idle timeout \(600 s\)/);

    await vscode.workspace.getConfiguration('bounded').update('loadBalancer', undefined, vscode.ConfigurationTarget.Workspace);
    await waitForKeepAlive('the Fastify finding to go with the setting', document.uri, (found) => found.length === 1 && !lineOf(found[0]).includes('Fastify('));
  });
});
