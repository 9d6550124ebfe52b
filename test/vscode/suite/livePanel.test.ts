// The live panel in the real VS Code: `bounded.showTraces` opens it and starts the OTLP receiver,
// a real OpenTelemetry SDK exporter (protobuf over HTTP) sends a trace to the endpoint the session
// reports, the trace shows in the webview's DOM (read through the test-only command, which asks the
// webview what it rendered), the waterfall opens with the span named as markup shown as text, and
// Reveal source opens the file and line of the span's code.* attributes (and refuses a path
// outside the workspace). Export Live Traces writes the session as OTLP/JSON and Import reads it back.
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import * as vscode from 'vscode';
import { extensionId, fixtureUri } from './fixture';
import { clickPanel, closeLivePanels, livePanelTabs, panelReceiver, queryPanel, queryPanelWhenLoaded, runningReceiver } from './panelProbe';
import { waitUntil } from './waitUntil';

const markup = '<img src=x onerror=alert(1)>';

suite('live panel', () => {
  suiteSetup(async () => {
    await vscode.extensions.getExtension(extensionId)?.activate();
    // Port 0: a free port, whatever else on this machine listens on 4318.
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', 0, vscode.ConfigurationTarget.Workspace);
  });

  suiteTeardown(async () => {
    await closeLivePanels();
    await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', undefined, vscode.ConfigurationTarget.Workspace);
  });

  test('a trace from a real OTLP exporter shows in the Traces view; the waterfall renders markup as text; reveal source opens the line', async () => {
    await vscode.commands.executeCommand('bounded.showTraces');
    const receiver = await runningReceiver();
    assert.ok(receiver.endpoint?.startsWith('http://127.0.0.1:'), receiver.endpoint);
    assert.notEqual(receiver.endpoint, 'http://127.0.0.1:0');

    const sourceFile = fixtureUri('src', 'customers.ts').fsPath;
    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.endpoint}/v1/traces`, timeoutMillis: 10_000 }) })],
    });
    const tracer = provider.getTracer('live-panel-test');
    const root = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, attributes: { 'code.filepath': sourceFile, 'code.lineno': 3 } });
    const child = tracer.startSpan(markup, { kind: SpanKind.CLIENT, attributes: { 'code.filepath': '/etc/passwd', 'code.lineno': 1, [markup]: markup } }, trace.setSpan(context.active(), root));
    child.setStatus({ code: SpanStatusCode.ERROR, message: markup });
    child.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    const traceId = root.spanContext().traceId;

    const listed = await waitUntil('the trace to be listed in the webview', async () => {
      const rows = await queryPanel(`button.trace-row[data-trace-id="${traceId}"]`);
      return rows.elements.length === 1 ? rows.elements[0] : undefined;
    });
    assert.match(listed.text, /checkout/);
    assert.match(listed.text, /GET \/checkout/);
    assert.match(listed.ariaLabel ?? '', /2 spans, 1 error/);

    const endpointText = await queryPanel('.endpoint');
    assert.equal(endpointText.elements[0]?.text, `OTEL_EXPORTER_OTLP_ENDPOINT=${receiver.endpoint}`);
    await vscode.env.clipboard.writeText('');
    assert.ok(await clickPanel('button.copy-endpoint'));
    await waitUntil('the endpoint on the clipboard', async () => ((await vscode.env.clipboard.readText()) === receiver.endpoint ? true : undefined), 10_000);

    assert.ok(await clickPanel(`button.trace-row[data-trace-id="${traceId}"]`));
    const spanNames = await waitUntil('the waterfall to show the spans', async () => {
      const names = await queryPanel('.span-row .span-name');
      return names.elements.length === 2 ? names : undefined;
    });
    assert.deepEqual(spanNames.elements.map((element) => element.text), ['GET /checkout', markup]);
    assert.equal(spanNames.images, 0, 'the span named as markup made no <img>');
    const critical = await queryPanel('.span-row.critical .span-name');
    assert.deepEqual(critical.elements.map((element) => element.text), ['GET /checkout', markup]);

    // Reveal source of the root: the fixture file at line 3.
    assert.ok(await clickPanel('.span-row', 0));
    await waitUntil('the root span details', async () => ((await queryPanel('.span-details .details-name')).elements[0]?.text === 'GET /checkout' ? true : undefined));
    assert.ok(await clickPanel('button.reveal-source'));
    const editor = await waitUntil('the span source to open', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.fsPath === sourceFile ? active : undefined;
    });
    assert.equal(editor.selection.active.line, 2);

    // The child names /etc/passwd: refused, with the reason shown.
    assert.ok(await clickPanel('.span-row', 1));
    await waitUntil('the child span details', async () => ((await queryPanel('.span-details .details-name')).elements[0]?.text === markup ? true : undefined));
    const values = await queryPanel('.span-details .attribute-value');
    assert.ok(values.elements.some((element) => element.text === markup));
    assert.ok(await clickPanel('button.reveal-source'));
    const refusal = await waitUntil('the refusal to show', async () => (await queryPanel('.reveal-result')).elements[0]?.text || undefined);
    assert.match(refusal, /not inside the workspace/);
    assert.notEqual(vscode.window.activeTextEditor?.document.uri.fsPath, '/etc/passwd');
    assert.equal((await queryPanel('img')).images, 0);
  });

  test('a hidden panel gets a complete snapshot when shown again', async () => {
    const receiver = await panelReceiver();
    assert.equal(receiver.state, 'running');
    const [panelTab] = livePanelTabs();
    assert.ok(panelTab, 'the panel is open');
    const document = await vscode.workspace.openTextDocument({ language: 'plaintext', content: 'hides the panel' });
    await vscode.window.showTextDocument(document, { viewColumn: panelTab.group.viewColumn });
    await waitUntil('the panel to be hidden', () => (panelTab.group.activeTab?.input instanceof vscode.TabInputWebview ? undefined : true));

    const provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'inventory' }),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${receiver.endpoint}/v1/traces`, timeoutMillis: 10_000 }) })],
    });
    const span = provider.getTracer('live-panel-test').startSpan('reserve stock');
    span.end();
    await provider.shutdown();

    await vscode.commands.executeCommand('bounded.showTraces');
    const listed = await waitUntil('the trace sent while hidden to be listed', async () => {
      const rows = await queryPanelWhenLoaded(`button.trace-row[data-trace-id="${span.spanContext().traceId}"]`);
      return rows?.elements[0];
    });
    assert.match(listed.text, /inventory/);
    assert.equal((await queryPanel('button.trace-row')).elements.length, 2, 'the earlier trace is still listed');
    await vscode.window.tabGroups.close(vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === document.uri.toString()));
  });

  test('Export Live Traces writes OTLP/JSON; Import reads it back, and a bad file is refused with nothing lost', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'bounded-live-export-'));
    try {
      const exportUri = vscode.Uri.file(join(folder, 'traces.otlp.json'));
      const exported = await vscode.commands.executeCommand<{ spans: number; traces: number }>('bounded.exportLiveTraces', exportUri);
      assert.deepEqual(exported, { spans: 3, traces: 2 });
      const text = await readFile(exportUri.fsPath, 'utf8');
      const request = JSON.parse(text) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ traceId: string; name: string; startTimeUnixNano: unknown }> }> }> };
      const spans = request.resourceSpans.flatMap((resourceSpans) => resourceSpans.scopeSpans.flatMap((scopeSpans) => scopeSpans.spans));
      assert.deepEqual(spans.map((span) => span.name).sort(), ['GET /checkout', markup, 'reserve stock'].sort());
      assert.ok(spans.every((span) => /^[0-9a-f]{32}$/.test(span.traceId) && typeof span.startTimeUnixNano === 'string'));

      // The panel was shown again when the previous test closed its editor: it may still be reloading.
      const rowsBefore = await waitUntil('the panel to list the traces', async () => (await queryPanelWhenLoaded('button.trace-row'))?.elements.length || undefined);
      assert.equal(rowsBefore, 2);
      const badUri = vscode.Uri.file(join(folder, 'bad.json'));
      await writeFile(badUri.fsPath, '{"resourceSpans": [{"scopeSpans": "not a list"}]}');
      const refused = await vscode.commands.executeCommand<{ error: string }>('bounded.importLiveTraces', badUri);
      assert.match(refused.error, /bad\.json was not imported: it is not an OTLP\/JSON ExportTraceServiceRequest \(resourceSpans\[0\]\.scopeSpans is not a list\)/);
      assert.equal((await waitUntil('the panel to answer', () => queryPanelWhenLoaded('button.trace-row'))).elements.length, rowsBefore, 'nothing lost');

      // The same file under other trace ids: another run to compare, listed beside the first.
      const otherRun = text.replaceAll(spans[0].traceId, 'feedfacefeedfacefeedfacefeedface');
      const otherUri = vscode.Uri.file(join(folder, 'other-run.otlp.json'));
      await writeFile(otherUri.fsPath, otherRun);
      const imported = await vscode.commands.executeCommand<{ added: number }>('bounded.importLiveTraces', otherUri);
      assert.ok(imported.added >= 1, JSON.stringify(imported));
      await waitUntil('the imported trace to be listed', async () => ((await queryPanelWhenLoaded('button.trace-row[data-trace-id="feedfacefeedfacefeedfacefeedface"]'))?.elements.length === 1 ? true : undefined));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  test('closing the panel stops the receiver (autoStart is off)', async () => {
    const panels = livePanelTabs();
    assert.equal(panels.length, 1);
    await vscode.window.tabGroups.close(panels);
    await waitUntil('the receiver to stop', async () => {
      const state = await panelReceiver();
      return state.state === 'stopped' ? true : undefined;
    });
  });

  test('a taken port: the panel says which host:port and offers to start again', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await vscode.workspace.getConfiguration('bounded').update('live.otlp.port', port, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('bounded.showTraces');
      const state = await waitUntil('the receiver to fail', async () => {
        const receiver = await panelReceiver();
        return receiver.state === 'failed' ? receiver : undefined;
      });
      assert.match(state.message ?? '', new RegExp(`127\\.0\\.0\\.1:${port} is already in use`));
      const status = await waitUntil('the panel to show the failure', async () => {
        const shown = await queryPanelWhenLoaded('.receiver-status');
        return shown?.elements[0]?.text.includes(`127.0.0.1:${port}`) ? shown.elements[0].text : undefined;
      });
      assert.match(status, /not running/);
      const start = await queryPanel('button.start-receiver');
      assert.equal(start.elements.length, 1);
      // "Use another port" in the panel starts it on a free port, shown as the endpoint.
      assert.ok(await clickPanel('button.start-on-free-port'));
      const running = await waitUntil('the receiver to run on another port', async () => {
        const receiver = await panelReceiver();
        return receiver.state === 'running' ? receiver : undefined;
      });
      assert.notEqual(running.port, port);
      await waitUntil('the panel to show the new endpoint', async () => ((await queryPanelWhenLoaded('.endpoint'))?.elements[0]?.text === `OTEL_EXPORTER_OTLP_ENDPOINT=${running.endpoint}` ? true : undefined));
    } finally {
      blocker.close();
    }
  });
});
