// The OpenTelemetry setup of propagationService.ts, imported before node:http so that the real
// HTTP instrumentation patches it: a TracerProvider with a BatchSpanProcessor and the OTLP protobuf
// exporter, an AsyncLocalStorage context manager, and either the W3C trace-context propagator or
// (PROPAGATION=none) one that injects nothing, as a service that drops the traceparent header does.
//   env: SERVICE_NAME, OTLP_TRACES_URL, PROPAGATION=w3c|none
import { context, diag, DiagConsoleLogger, DiagLogLevel, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);

const injectsNothing: TextMapPropagator = {
  inject: () => undefined,
  extract: (active) => active,
  fields: () => [],
};

export const tracerProvider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.SERVICE_NAME ?? 'unnamed' }),
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: process.env.OTLP_TRACES_URL, timeoutMillis: 10_000 }), scheduledDelayMillis: 100 })],
});
trace.setGlobalTracerProvider(tracerProvider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(process.env.PROPAGATION === 'none' ? injectsNothing : new W3CTraceContextPropagator());
registerInstrumentations({ tracerProvider, instrumentations: [new HttpInstrumentation()] });
