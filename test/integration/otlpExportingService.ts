// A small service instrumented with the real OpenTelemetry SDK, run as a child process by
// otlpReceiver.test.ts: it makes one trace (a server span, a client child with an event, an error
// status and a link) and exports it with the real OTLP exporter given on its command line, then
// prints the ids it made as one JSON line and exits once the exporter has flushed.
//   node --import tsx otlpExportingService.ts <protobuf|json> <traces url> <gzip|none> <service name>
import { context, DiagConsoleLogger, DiagLogLevel, diag, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as HttpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

type ExporterConfig = NonNullable<ConstructorParameters<typeof ProtobufTraceExporter>[0]>;

export interface ExportedTrace {
  traceId: string;
  rootSpanId: string;
  childSpanId: string;
  linkedSpanId: string;
}

async function main(): Promise<void> {
  // Export failures go to the SDK's diagnostic logger: to stderr, where the test shows them.
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  const [protocol, url, compression, serviceName] = process.argv.slice(2);
  const config: ExporterConfig = { url, compression: compression as ExporterConfig['compression'], timeoutMillis: 10_000 };
  const exporter = protocol === 'protobuf' ? new ProtobufTraceExporter(config) : new HttpJsonTraceExporter(config);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': '1.0.0' }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('otlp-exporting-service', '0.1.0');

  const linked = tracer.startSpan('warm cache');
  linked.end();
  const root = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 502, 'code.filepath': '/app/orders.ts', 'code.lineno': 42 } });
  const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' }, links: [{ context: linked.spanContext(), attributes: { 'link.reason': 'cache' } }] }, trace.setSpan(context.active(), root));
  child.addEvent('exception', { 'exception.type': 'TimeoutError', 'exception.message': 'query timed out' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'query timed out' });
  child.end();
  root.end();
  await provider.shutdown();

  const exported: ExportedTrace = { traceId: root.spanContext().traceId, rootSpanId: root.spanContext().spanId, childSpanId: child.spanContext().spanId, linkedSpanId: linked.spanContext().spanId };
  process.stdout.write(`${JSON.stringify(exported)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
