package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.launcher.bench.BatchBench;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@code fusion bench batch} scenario against a real pipeline, and its result check on its own. */
class BatchBenchTest extends PipelineTestBase {

  @AfterEach
  void clearSettings() {
    System.clearProperty(BatchBench.MAX_IN_FLIGHT);
  }

  @Test
  void aSmallBatchRunsEndToEndAndTheReportCountsEveryPromptOnce() throws Exception {
    System.setProperty(BatchBench.MAX_IN_FLIGHT, "500");
    try (FusionStack stack = harness.newStack(Map.of())) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      BatchBench bench = new BatchBench("http://127.0.0.1:" + stack.httpPort(), harness.kafka.bootstrapServers(),
          "0", 3, new PrintStream(log, true, StandardCharsets.UTF_8), Duration.ofSeconds(5));

      // As the command does: an unmeasured warm-up batch first, reusing the custom IDs of the measured one.
      BatchBench.Report warmUp = bench.run(50, Duration.ofMinutes(3));
      BatchBench.Report report = bench.run(300, Duration.ofMinutes(3));

      assertThat(warmUp.ok()).isTrue();
      assertThat(warmUp.resultLines()).isEqualTo(50);

      assertThat(report.accepted()).isEqualTo(300);
      assertThat(report.invalidLines()).isZero();
      assertThat(report.status()).isEqualTo("completed");
      assertThat(report.resultLines()).isEqualTo(300);
      assertThat(report.completed()).isEqualTo(300);
      assertThat(report.failed()).isZero();
      assertThat(report.lost()).isZero();
      assertThat(report.duplicated()).isZero();
      assertThat(report.unexpected()).isZero();
      assertThat(report.inOrder()).isTrue();
      assertThat(report.statusCompleted()).isEqualTo(300);
      assertThat(report.ok()).isTrue();
      assertThat(log.toString(StandardCharsets.UTF_8)).contains("uploaded 300 prompts").contains("completed");
    }
  }

  @Test
  void theResultCheckCountsLostDuplicatedUnexpectedFailedAndOutOfOrderLines() {
    BatchBench.ResultCheck check = new BatchBench.ResultCheck(4);
    check.accept(ok("p0", 1));
    check.accept(ok("p2", 3));
    check.accept(ok("p2", 3)); // the same prompt twice
    check.accept("{\"id\":\"j\",\"custom_id\":\"p1\",\"line\":2,\"response\":null,"
        + "\"error\":{\"code\":\"judge_failed\",\"message\":\"x\"}}"); // a failure, after line 3
    check.accept(ok("p9", 10)); // never sent
    check.accept(ok("p03", 4)); // not the ID p3 was sent with

    assertThat(check.lines()).isEqualTo(6);
    assertThat(check.completed()).isEqualTo(5);
    assertThat(check.failed()).isEqualTo(1);
    assertThat(check.failureCodes()).containsEntry("judge_failed", 1L);
    assertThat(check.duplicated()).isEqualTo(1);
    assertThat(check.unexpected()).isEqualTo(2);
    assertThat(check.lost()).isEqualTo(1); // p3
    assertThat(check.inOrder()).isFalse();
  }

  private static String ok(String customId, long line) {
    return "{\"id\":\"j\",\"custom_id\":\"" + customId + "\",\"line\":" + line
        + ",\"response\":{\"status_code\":200,\"request_id\":\"j\",\"body\":{}},\"error\":null}";
  }
}
