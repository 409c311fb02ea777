package dev.fusion.common.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OpenTelemetry trace export, from the standard {@code OTEL_*} variables (see docs/configuration.md,
 * "Traces"). Off unless {@code OTEL_TRACES_EXPORTER} names an exporter or an OTLP endpoint is set, and
 * always off with {@code OTEL_SDK_DISABLED=true}. Only traces are exported: Fusion's metrics are served
 * for Prometheus and its logs are JSON lines, so the SDK's metrics and logs exporters stay {@code none}.
 *
 * <p>{@code variables} holds the honoured variables that were set, by name. Header values (which may hold
 * a collector's key) are never logged: {@link #toString()} names the variables only.
 */
public record TracingSettings(Map<String, String> variables) {
  public static final String SDK_DISABLED = "OTEL_SDK_DISABLED";
  public static final String TRACES_EXPORTER = "OTEL_TRACES_EXPORTER";
  public static final String ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT";
  public static final String TRACES_ENDPOINT = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
  public static final String PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL";
  public static final String TRACES_PROTOCOL = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
  public static final String SERVICE_NAME = "OTEL_SERVICE_NAME";
  public static final String RESOURCE_ATTRIBUTES = "OTEL_RESOURCE_ATTRIBUTES";

  /** The spec's default, and the one every collector, Jaeger and Tempo accept on port 4318. */
  public static final String DEFAULT_PROTOCOL = "http/protobuf";

  /**
   * The standard variables Fusion reads and hands to the OpenTelemetry SDK (so a test can set them without
   * the process's environment); the SDK's autoconfiguration may read other standard ones there itself.
   */
  static final List<String> HONOURED = List.of(
      SDK_DISABLED, TRACES_EXPORTER, SERVICE_NAME, RESOURCE_ATTRIBUTES,
      ENDPOINT, TRACES_ENDPOINT, PROTOCOL, TRACES_PROTOCOL,
      "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
      "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
      "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
      "OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
      "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
      "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
      "OTEL_BSP_EXPORT_TIMEOUT");

  public static final TracingSettings OFF = new TracingSettings(Map.of());

  public TracingSettings {
    variables = Map.copyOf(variables);
  }

  public static TracingSettings load(Env env) {
    Map<String, String> set = new LinkedHashMap<>();
    for (String name : HONOURED) {
      String value = env.optional(name);
      if (value != null) {
        set.put(name, value);
      }
    }
    return new TracingSettings(set);
  }

  /** Whether spans are exported: asked for by exporter or endpoint, and the SDK not disabled. */
  public boolean enabled() {
    if ("true".equalsIgnoreCase(variables.get(SDK_DISABLED))) {
      return false;
    }
    String exporter = variables.get(TRACES_EXPORTER);
    if (exporter != null) {
      return !exporter.trim().equalsIgnoreCase("none");
    }
    return variables.containsKey(ENDPOINT) || variables.containsKey(TRACES_ENDPOINT);
  }

  /**
   * The SDK's properties ({@code otel.exporter.otlp.endpoint} for {@code OTEL_EXPORTER_OTLP_ENDPOINT}, ...):
   * the honoured variables, the OTLP exporter and http/protobuf unless they say otherwise, the process's
   * service name unless one is configured, metrics and logs exporters {@code none}.
   */
  public Map<String, String> sdkProperties(String defaultServiceName) {
    Map<String, String> props = new LinkedHashMap<>();
    variables.forEach((name, value) -> props.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value));
    props.putIfAbsent("otel.traces.exporter", "otlp");
    props.putIfAbsent("otel.exporter.otlp.protocol", DEFAULT_PROTOCOL);
    String resource = variables.getOrDefault(RESOURCE_ATTRIBUTES, "");
    if (!variables.containsKey(SERVICE_NAME) && !resource.matches("(^|.*,)\\s*service\\.name\\s*=.*")) {
      props.put("otel.service.name", defaultServiceName);
    }
    props.put("otel.metrics.exporter", "none");
    props.put("otel.logs.exporter", "none");
    return props;
  }

  @Override
  public String toString() {
    return "TracingSettings" + variables.keySet() + (enabled() ? " (exporting)" : " (off)");
  }
}
