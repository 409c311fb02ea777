package dev.fusion.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.Env;
import dev.fusion.common.config.TracingSettings;
import dev.fusion.common.logging.JobTrace;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With export on, a stage's span continues the parent's trace and its own ID is the context the stage
 * writes downstream; the sampler's decision travels in the flags. (What reaches a collector is checked end
 * to end by the launcher's TracesExportEndToEndTest.)
 */
class OtlpTracingTest {
  private static final JobTrace PARENT =
      JobTrace.parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "alice", "batch_1");

  private static Tracing exporting(Map<String, String> more) {
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        // Nothing listens there; these spans are never sampled, so nothing is sent.
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", "OTEL_TRACES_SAMPLER", "always_off"));
    env.putAll(more);
    return Tracing.create(TracingSettings.load(new Env(env)), "fusion-test");
  }

  @Test
  void aStagesSpanContinuesTheParentsTraceWithItsOwnIdAndTheJobsFields() {
    try (Tracing tracing = exporting(Map.of())) {
      assertThat(tracing.exporting()).isTrue();
      StageSpan span = tracing.start("fusion.panel", PARENT, "job_1");
      JobTrace written = span.trace();
      assertThat(span).isNotInstanceOf(JobTrace.class);
      assertThat(written.traceId()).isEqualTo(PARENT.traceId());
      assertThat(written.spanId()).matches("[0-9a-f]{16}").isNotEqualTo(PARENT.spanId());
      assertThat(written.flags()).as("the sampler (always_off) decides, and downstream stages follow").isEqualTo("00");
      assertThat(written.tenant()).isEqualTo("alice");
      assertThat(written.batchId()).isEqualTo("batch_1");
      StageSpan call = tracing.modelCall("panel", "sim/alpha", written);
      assertThat(call.trace().traceId()).isEqualTo(PARENT.traceId());
      call.end(null);
      span.end(null);
    }
  }

  @Test
  void aNewTraceTakesTheSamplersDecisionInItsFlags() {
    try (Tracing tracing = exporting(Map.of())) {
      JobTrace root = tracing.start("fusion.ingress", Tracing.Kind.SERVER, null, "bob", null, null).trace();
      assertThat(root.traceId()).matches("[0-9a-f]{32}").isNotEqualTo(PARENT.traceId());
      // Not sampled (bit 0); the SDK may set the W3C "random trace ID" bit (0x02) of a trace it starts.
      assertThat(Integer.parseInt(root.flags(), 16) & 1).isZero();
      assertThat(root.tenant()).isEqualTo("bob");
      assertThat(tracing.modelCall("panel", "sim/alpha", null)).as("no work to be part of")
          .isSameAs(Tracing.UNEXPORTED_CALL);
    }
  }
}
