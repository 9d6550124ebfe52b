// A live finding's "Reveal source" in the real VS Code: a real OpenTelemetry exporter sends two calls
// whose trace context was dropped (a client span with no child, and a new root in the called service
// inside it), each client span naming its code; after the detector's grace period both show in the
// Live findings tab with their location, and Reveal source opens the workspace file at the line,
// while the one naming /etc/passwd is refused with the reason (the host opens only workspace files,
// and only locations a current finding names).
import * as assert from 'node:assert/strict';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import * as vscode from 'vscode';
import { extensionId, fixtureUri } from './fixture';
import { clickPanel, closeLivePanels, panelTexts, queryPanelWhenLoaded, runningReceiver } from './panelProbe';
import { waitUntil } from './waitUntil';

function providerFor(service: string, endpoint: string): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, timeoutMillis: 10_000 }) })],
  });
}

/** checkout calls `host` at /`path` without the traceparent: the client span has no child, and `service` starts a new trace inside it. */
function droppedCall(checkout: Tracer, called: Tracer, host: string, path: string, file: string, line: number): void {
  const start = Date.now() - 1_000;
  const client = checkout.startSpan(`GET ${path}`, {
    kind: SpanKind.CLIENT,
    startTime: start,
    attributes: { 'http.request.method': 'GET', 'url.full': `http://${host}:8080/${path}`, 'server.address': host, 'server.port': 8080, 'code.filepath': file, 'code.lineno': line },
  });
  const server = called.startSpan(`GET /${path}`, { kind: SpanKind.SERVER, startTime: start + 5, attributes: { 'http.request.method': 'GET', 'http.route': `/${path}`, 'url.path': `/${path}` } });
  server.end(start + 40);
  client.end(start + 50);
}

suite('live finding links', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', 0, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    await closeLivePanels();
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('Reveal source of a live finding opens its workspace file and line, and refuses a path outside the workspace', async () => {
    await vscode.commands.executeCommand('bounded.showTraces');
    const receiver = await runningReceiver();
    const endpoint = receiver.endpoint as string;
    const sourceFile = fixtureUri('src', 'customers.ts').fsPath;
    const providers = ['checkout', 'shipping', 'billing'].map((service) => providerFor(service, endpoint));
    const [checkout, shipping, billing] = providers.map((provider) => provider.getTracer('live-finding-links-test'));
    droppedCall(checkout, shipping, 'shipping', 'rates', sourceFile, 3);
    droppedCall(checkout, billing, 'billing', 'invoice', '/etc/passwd', 1);
    for (const provider of providers) await provider.forceFlush();
    for (const provider of providers) await provider.shutdown();

    await vscode.commands.executeCommand('bounded.showFindings');
    assert.ok(await clickPanel('#tab-liveFindings'));
    // The detector waits its grace period (10 s) for a child span before it calls the context dropped.
    const reveals = await waitUntil(
      'two live findings with a Reveal source link',
      async () => {
        const found = await queryPanelWhenLoaded('#panel-liveFindings button.reveal-location');
        return found && found.elements.length === 2 ? found.elements : undefined;
      },
      30_000,
    );
    const inWorkspace = reveals.findIndex((element) => element.ariaLabel === `Reveal source: ${sourceFile}:3`);
    const outside = reveals.findIndex((element) => element.ariaLabel === 'Reveal source: /etc/passwd:1');
    assert.ok(inWorkspace >= 0 && outside >= 0, JSON.stringify(reveals));

    assert.ok(await clickPanel('#panel-liveFindings button.reveal-location', inWorkspace));
    const editor = await waitUntil('the finding location to open', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.fsPath === sourceFile ? active : undefined;
    });
    assert.equal(editor.selection.active.line, 2);

    assert.ok(await clickPanel('#panel-liveFindings button.reveal-location', outside));
    const refusal = await waitUntil('the refusal to show', async () => (await panelTexts('#panel-liveFindings .reveal-result'))?.find((text) => text !== ''));
    assert.match(refusal, /\/etc\/passwd is not inside the workspace/);
    assert.notEqual(vscode.window.activeTextEditor?.document.uri.fsPath, '/etc/passwd');
  });
});
