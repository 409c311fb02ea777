package dev.fusion.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class JobTraceTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String VALID = "00-" + TRACE + "-00f067aa0ba902b7-01";

  @AfterEach
  void clear() {
    JobTrace.exit();
  }

  @Test
  void aValidTraceparentIsContinuedWithTheSameTraceIdAndANewSpan() {
    JobTrace t = JobTrace.continueOrStart(VALID, "acme", null);
    assertThat(t.traceId()).isEqualTo(TRACE);
    assertThat(t.spanId()).hasSize(16).isNotEqualTo("00f067aa0ba902b7");
    assertThat(t.traceparent()).matches("00-" + TRACE + "-[0-9a-f]{16}-01");
    assertThat(t.nextSpan().traceId()).isEqualTo(TRACE);
    assertThat(t.nextSpan().spanId()).isNotEqualTo(t.spanId());
  }

  @Test
  void hostileOrMalformedTraceparentsAreRefusedAndANewTraceStarts() {
    String[] bad = {"", "garbage", VALID.toUpperCase(), "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01",
        "00-" + TRACE + "-0000000000000000-01", "ff-" + TRACE + "-00f067aa0ba902b7-01", VALID + "-extra",
        "00-" + TRACE + "-00f067aa0ba902b7-0g", "00_" + TRACE + "-00f067aa0ba902b7-01",
        "00-" + TRACE + "-00f067aa0ba902b7-01\r\nX-Injected: 1", "0" + VALID};
    for (String value : bad) {
      assertThat(JobTrace.parse(value, null, null)).as(value).isNull();
      JobTrace started = JobTrace.continueOrStart(value, "acme", null);
      assertThat(started.traceId()).as(value).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
    }
    assertThat(JobTrace.parse(null, null, null)).isNull();
    // A later version may append fields after a dash; its IDs are taken, and written back as version 00.
    assertThat(JobTrace.parse("01-" + TRACE + "-00f067aa0ba902b7-01-future", null, null).traceparent())
        .isEqualTo(VALID);
  }

  @Test
  void headersCarryTheTraceTenantAndBatchAndReadBack() {
    JobTrace t = JobTrace.newTrace("acme", "batch_1");
    var headers = t.headers();
    assertThat(new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
        .isEqualTo(t.traceparent());
    JobTrace read = JobTrace.fromHeaders(headers);
    assertThat(read).isEqualTo(t);
    assertThat(JobTrace.received(headers).traceId()).isEqualTo(t.traceId());
    assertThat(JobTrace.fromHeaders(new RecordHeaders())).isNull();
    assertThat(JobTrace.received(new RecordHeaders()).traceId()).matches("[0-9a-f]{32}");
  }

  @Test
  void enterPutsTheJobsFieldsInTheMdcAndExitRemovesThem() {
    JobTrace t = JobTrace.newTrace("acme", "batch_1");
    t.enter("job_1");
    assertThat(MDC.get("job_id")).isEqualTo("job_1");
    assertThat(MDC.get("tenant")).isEqualTo("acme");
    assertThat(MDC.get("batch_id")).isEqualTo("batch_1");
    assertThat(MDC.get("trace_id")).isEqualTo(t.traceId());
    assertThat(JobTrace.current()).isEqualTo(t);
    // A job without a batch leaves no batch of an earlier job behind.
    JobTrace.newTrace("acme", null).enter("job_2");
    assertThat(MDC.get("batch_id")).isNull();
    JobTrace.exit();
    assertThat(MDC.getCopyOfContextMap()).doesNotContainKeys("job_id", "tenant", "batch_id", "trace_id");
    assertThat(JobTrace.current()).isNull();
  }
}
