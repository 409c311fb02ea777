package dev.fusion.common.tracing;

import dev.fusion.common.config.TracingSettings;
import dev.fusion.common.logging.JobTrace;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spans exported over OTLP by the OpenTelemetry SDK, configured by its autoconfiguration from the
 * properties {@link TracingSettings#sdkProperties} derives (batching span processor, sampler, exporter).
 * The SDK is this process's own, never the global one.
 */
final class OtlpTracing implements Tracing {
  private static final Logger LOG = LoggerFactory.getLogger(OtlpTracing.class);
  /** How long closing waits for pending spans to be exported: part of a bounded shutdown. */
  static final long FLUSH_TIMEOUT_MS = 5_000;
  private static final String INSTRUMENTATION = "dev.fusion";

  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;

  private OtlpTracing(OpenTelemetrySdk sdk) {
    this.sdk = sdk;
    this.tracer = sdk.getTracer(INSTRUMENTATION);
  }

  static OtlpTracing create(TracingSettings settings, String serviceName) {
    Map<String, String> props = settings.sdkProperties(serviceName);
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        // These take precedence over what the SDK would read from the process's own environment, so the
        // settings given (a test's, or this process's environment) are the ones in force.
        .addPropertiesCustomizer(config -> props)
        .disableShutdownHook() // closed with the process's other parts, in order
        .build()
        .getOpenTelemetrySdk();
    // Names only: header values may carry a collector's key.
    LOG.info("exporting traces over OTLP ({}, {}) as {}", props.get("otel.exporter.otlp.protocol"),
        settings.variables().keySet(), props.getOrDefault("otel.service.name", "the configured service"));
    return new OtlpTracing(sdk);
  }

  @Override
  public StageSpan start(String name, Kind kind, JobTrace parent, String tenant, String batchId, String jobId) {
    SpanBuilder builder = tracer.spanBuilder(name).setSpanKind(kind(kind));
    if (parent == null) {
      builder.setNoParent();
    } else {
      builder.setParent(Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(parent.traceId(),
          parent.spanId(), TraceFlags.fromHex(parent.flags(), 0), TraceState.getDefault()))));
      tenant = tenant != null ? tenant : parent.tenant();
      batchId = batchId != null ? batchId : parent.batchId();
    }
    if (jobId != null) {
      builder.setAttribute(JOB_ID, jobId);
    }
    if (tenant != null) {
      builder.setAttribute(TENANT, tenant);
    }
    if (batchId != null) {
      builder.setAttribute(BATCH_ID, batchId);
    }
    Span span = builder.startSpan();
    SpanContext own = span.getSpanContext();
    return new Exported(span, JobTrace.of(own.getTraceId(), own.getSpanId(), own.getTraceFlags().asHex(),
        tenant, batchId));
  }

  @Override
  public boolean exporting() {
    return true;
  }

  @Override
  public void close() {
    CompletableResultCode done = sdk.shutdown().join(FLUSH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    if (!done.isSuccess()) {
      LOG.warn("traces: pending spans not all exported within {} ms of shutdown", FLUSH_TIMEOUT_MS);
    }
  }

  private static SpanKind kind(Kind kind) {
    return switch (kind) {
      case INTERNAL -> SpanKind.INTERNAL;
      case SERVER -> SpanKind.SERVER;
      case CONSUMER -> SpanKind.CONSUMER;
      case CLIENT -> SpanKind.CLIENT;
    };
  }

  /** An exported span and the context its stage writes downstream. */
  private record Exported(Span span, JobTrace trace) implements StageSpan {
    @Override
    public StageSpan job(String jobId) {
      if (jobId != null) {
        span.setAttribute(AttributeKey.stringKey(JOB_ID), jobId);
      }
      return this;
    }

    @Override
    public StageSpan attribute(String key, String value) {
      if (value != null) {
        span.setAttribute(AttributeKey.stringKey(key), value);
      }
      return this;
    }

    @Override
    public void end(Throwable error) {
      if (error != null) {
        // The type only: a message may quote what a provider said about the request.
        Throwable cause = error;
        while ((cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
          cause = cause.getCause();
        }
        span.setStatus(StatusCode.ERROR, cause.getClass().getSimpleName());
      }
      span.end();
    }

    @Override
    public void endFailed(String reason) {
      span.setStatus(StatusCode.ERROR, reason);
      span.end();
    }
  }
}
