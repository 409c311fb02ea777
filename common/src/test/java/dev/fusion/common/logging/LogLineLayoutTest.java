package dev.fusion.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.logging.LogLineLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class LogLineLayoutTest {
  private final LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();

  @AfterEach
  void clear() {
    JobTrace.exit();
  }

  private String layout(String format, LoggingEvent event) {
    LogLineLayout layout = new LogLineLayout();
    layout.setContext(context);
    layout.setFormat(format);
    layout.start();
    return layout.doLayout(event);
  }

  private LoggingEvent event(String message, Throwable error) {
    return new LoggingEvent("test", context.getLogger("dev.fusion.panel.PanelWorker"), Level.WARN, message, error,
        null);
  }

  @Test
  void jsonIsOneObjectPerLineWithTheJobsFieldsFromTheMdc() {
    JobTrace trace = JobTrace.newTrace("acme", "batch_7");
    trace.enter("job_1");
    String line = layout("json", event("a \"quoted\"\nmulti-line\tmessage \u001b[31m", new IllegalStateException("boom")));
    assertThat(line).endsWith(System.lineSeparator());
    assertThat(line.strip()).doesNotContain("\n").doesNotContain("\u001b");
    JsonNode json = Json.tree(line);
    assertThat(json.path("level").asText()).isEqualTo("WARN");
    assertThat(json.path("logger").asText()).isEqualTo("dev.fusion.panel.PanelWorker");
    assertThat(json.path("msg").asText()).isEqualTo("a \"quoted\"\nmulti-line\tmessage \u001b[31m");
    assertThat(json.path("ts").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    assertThat(json.path("job_id").asText()).isEqualTo("job_1");
    assertThat(json.path("tenant").asText()).isEqualTo("acme");
    assertThat(json.path("batch_id").asText()).isEqualTo("batch_7");
    assertThat(json.path("trace_id").asText()).isEqualTo(trace.traceId());
    assertThat(json.path("error").asText()).contains("IllegalStateException: boom");
  }

  @Test
  void aLineAboutNoJobHasNoJobFields() {
    MDC.clear();
    JsonNode json = Json.tree(layout("json", event("started", null)));
    assertThat(json.has("job_id")).isFalse();
    assertThat(json.has("trace_id")).isFalse();
    assertThat(json.has("error")).isFalse();
  }

  @Test
  void textIsForATerminalWithoutColour() {
    JobTrace.newTrace("acme", null).enter("job_1");
    String line = layout("text", event("hello", null));
    assertThat(line).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[[^\\]]+\\] WARN PanelWorker - hello .*job_id=job_1.*\\R")
        .contains("tenant=acme").doesNotContain("\u001b");
  }

  @Test
  void anUnknownOrEmptyFormatMeansJson() {
    assertThat(layout("yaml", event("x", null))).startsWith("{");
    assertThat(layout("", event("x", null))).startsWith("{");
  }
}
