import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** A started OpenTelemetry SDK: what the Temporal interceptors and the HTTP middleware need. */
export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  provider: NodeTracerProvider;
  /** Flushes what is buffered and stops exporting. */
  shutdown: () => Promise<void>;
}

/**
 * Tracing is on when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), unless `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none`. Off, no SDK starts and no middleware or interceptor is added.
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts the OpenTelemetry SDK for this process, or nothing when tracing is off. Everything is
 * read by the SDK from the standard variables: the OTLP/HTTP exporter's endpoint, headers and
 * timeout (`OTEL_EXPORTER_OTLP_*`), the sampler (`OTEL_TRACES_SAMPLER[_ARG]`), the batch
 * processor (`OTEL_BSP_*`), the propagators (`OTEL_PROPAGATORS`, W3C trace context by default)
 * and the resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`; `serviceName` otherwise).
 * `spanProcessor` replaces the OTLP exporter (tests: an in-memory exporter) and turns it on.
 */
export function startTracing(
  serviceName: string,
  {
    env = process.env,
    spanProcessor,
  }: { env?: NodeJS.ProcessEnv; spanProcessor?: SpanProcessor } = {},
): Tracing | undefined {
  if (!spanProcessor && !tracingEnabled(env)) return undefined;
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': serviceName }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const processor = spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global tracer provider, AsyncLocalStorage context manager, propagators.
  provider.register();
  return {
    resource,
    spanProcessor: processor,
    provider,
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
