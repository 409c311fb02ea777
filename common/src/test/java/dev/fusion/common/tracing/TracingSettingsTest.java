package dev.fusion.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.Env;
import dev.fusion.common.config.TracingSettings;
import dev.fusion.common.logging.JobTrace;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the standard OTEL_* variables turn export on, and what the SDK is configured with then. */
class TracingSettingsTest {
  private static TracingSettings of(Map<String, String> env) {
    return TracingSettings.load(new Env(env));
  }

  @Test
  void offByDefaultAndThenNothingOfTheSdkIsMade() {
    TracingSettings none = of(Map.of("FUSION_HTTP_PORT", "8080", "OTEL_METRICS_EXPORTER", "otlp"));
    assertThat(none.enabled()).isFalse();
    assertThat(Tracing.create(none, "fusion-ingress")).isSameAs(Tracing.OFF);
  }

  @Test
  void onWithAnExporterOrAnEndpointUnlessDisabledOrNone() {
    assertThat(of(Map.of("OTEL_TRACES_EXPORTER", "otlp")).enabled()).isTrue();
    assertThat(of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")).enabled()).isTrue();
    assertThat(of(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")).enabled())
        .isTrue();
    assertThat(of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318", "OTEL_SDK_DISABLED", "true"))
        .enabled()).isFalse();
    assertThat(of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318", "OTEL_TRACES_EXPORTER", "none"))
        .enabled()).isFalse();
    assertThat(of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " ")).enabled()).as("blank is unset").isFalse();
  }

  @Test
  void theSdkGetsTheStandardPropertiesHttpProtobufTheProcessNameAndNoMetricsOrLogs() {
    Map<String, String> props = of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
        "OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret", "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG", "0.25", "OTEL_LOGS_EXPORTER", "otlp")).sdkProperties("fusion-panel-worker");
    assertThat(props).containsEntry("otel.exporter.otlp.endpoint", "http://collector:4318")
        .containsEntry("otel.exporter.otlp.headers", "x-api-key=secret")
        .containsEntry("otel.traces.sampler", "parentbased_traceidratio")
        .containsEntry("otel.traces.sampler.arg", "0.25")
        .containsEntry("otel.traces.exporter", "otlp")
        .containsEntry("otel.exporter.otlp.protocol", "http/protobuf")
        .containsEntry("otel.service.name", "fusion-panel-worker")
        .containsEntry("otel.metrics.exporter", "none")
        .containsEntry("otel.logs.exporter", "none");
  }

  @Test
  void aConfiguredServiceNameWinsWhetherByVariableOrResourceAttribute() {
    assertThat(of(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_SERVICE_NAME", "fusion-eu"))
        .sdkProperties("fusion-ingress")).containsEntry("otel.service.name", "fusion-eu");
    assertThat(of(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_RESOURCE_ATTRIBUTES", "team=ml,service.name=fz"))
        .sdkProperties("fusion-ingress")).doesNotContainKey("otel.service.name")
        .containsEntry("otel.resource.attributes", "team=ml,service.name=fz");
    assertThat(of(Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))
        .sdkProperties("x")).containsEntry("otel.exporter.otlp.protocol", "grpc");
  }

  @Test
  void headerValuesAreNeverInTheSettingsText() {
    TracingSettings s = of(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
        "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer sk-very-secret"));
    assertThat(s.toString()).contains("OTEL_EXPORTER_OTLP_HEADERS").doesNotContain("sk-very-secret");
  }

  @Test
  void offASpanIsTheParentsTraceContinuedAsWithoutTracing() {
    JobTrace parent = JobTrace.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "alice", "b1");
    StageSpan span = Tracing.OFF.start("fusion.panel", parent, "job_1");
    assertThat(span).isInstanceOf(JobTrace.class);
    assertThat(span.trace().traceId()).isEqualTo(parent.traceId());
    assertThat(span.trace().spanId()).isNotEqualTo(parent.spanId()).matches("[0-9a-f]{16}");
    assertThat(span.trace().tenant()).isEqualTo("alice");
    assertThat(span.trace().batchId()).isEqualTo("b1");
    assertThat(Tracing.OFF.start("fusion.ingress", null, "job_1").trace().traceId()).matches("[0-9a-f]{32}");
    assertThat(Tracing.OFF.modelCall("panel", "sim/alpha", parent)).isSameAs(Tracing.UNEXPORTED_CALL);
  }
}
