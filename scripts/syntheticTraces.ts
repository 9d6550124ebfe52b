// Traces written with the real OpenTelemetry SDK and sent by its OTLP protobuf exporter, with the
// timings given rather than measured: what `npm run screenshots` and `npm run demo` send to the
// live panel. One TracerProvider per service, so each span carries its service's resource.
import { SpanStatusCode, context, trace, type Attributes, type Span, type SpanKind, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export interface ServiceTracers {
  /** The tracer of each service named to createServiceTracers. */
  tracer(service: string): Tracer;
  /** Exports every span ended so far; rejects when the exporter could not deliver them. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A tracer per service, each exporting to `${endpoint}/v1/traces` (`endpoint` as OTEL_EXPORTER_OTLP_ENDPOINT takes it). */
export function createServiceTracers(endpoint: string, services: readonly string[], resource: Attributes = {}): ServiceTracers {
  const providers = new Map(
    services.map((service) => [
      service,
      new TracerProvider({
        resource: resourceFromAttributes({ ...resource, 'service.name': service }),
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, timeoutMillis: 10_000 }) })],
      }),
    ]),
  );
  const tracers = new Map([...providers].map(([service, provider]) => [service, provider.getTracer('@opentelemetry/instrumentation-http', '0.57.0')]));
  return {
    tracer(service) {
      const found = tracers.get(service);
      if (!found) throw new Error(`no tracer for the service "${service}"`);
      return found;
    },
    async flush() {
      await Promise.all([...providers.values()].map((provider) => provider.forceFlush()));
    },
    async shutdown() {
      await Promise.all([...providers.values()].map((provider) => provider.shutdown()));
    },
  };
}

export interface TimedSpan {
  name: string;
  kind: SpanKind;
  parent?: Span;
  /** Epoch milliseconds. */
  startMs: number;
  durationMs: number;
  attributes?: Attributes;
  /** Ends the span with an ERROR status and an exception event of this name and message. */
  error?: { name: string; message: string };
}

/** Starts and ends a span of `tracer` at the given times, as a child of `parent` when given. */
export function recordSpan(tracer: Tracer, span: TimedSpan): Span {
  const parentContext = span.parent ? trace.setSpan(context.active(), span.parent) : context.active();
  const created = tracer.startSpan(span.name, { kind: span.kind, startTime: span.startMs, attributes: span.attributes }, parentContext);
  const endMs = span.startMs + span.durationMs;
  if (span.error) {
    created.recordException(span.error, endMs - 1);
    created.setStatus({ code: SpanStatusCode.ERROR, message: span.error.message });
  }
  created.end(endMs);
  return created;
}
