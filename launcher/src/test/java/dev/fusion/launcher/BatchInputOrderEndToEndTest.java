package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * {@code fusion batch --order input}: the output follows the input's order although later lines finish
 * first, also across an interrupted run and its rerun, with each custom ID once.
 */
class BatchInputOrderEndToEndTest extends PipelineTestBase {
  private static final int LINES = 60;
  /** A line the server rejects (temperature out of range): it gets no result and must not hold others back. */
  private static final int REJECTED = 15;
  /** A line whose only panel model fails: a failed result, written in its place like any other. */
  private static final int FAILING = 5;

  /**
   * Blocks of ten lines; within a block the later lines answer sooner (40 ms apart), and each block
   * answers 600 ms after the one before, so completion order is far from input order.
   */
  private static String lines() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < LINES; i++) {
      long latency = 600L * (i / 10) + 40L * (9 - i % 10);
      String model = i == FAILING ? "sim/alpha;fault=http500" : "sim/alpha;latency_ms=" + latency;
      out.append("{\"custom_id\":\"o-").append(i).append("\",\"prompt\":\"Question ").append(i)
          .append("\",\"analysis_models\":[\"").append(model).append("\"]")
          .append(i == REJECTED ? ",\"temperature\":9" : "").append("}\n");
    }
    return out.toString();
  }

  private static List<String> expectedIds() {
    return IntStream.range(0, LINES).filter(i -> i != REJECTED).mapToObj(i -> "o-" + i).toList();
  }

  @Test
  void aResumedRunReattachesAndTheOutputIsInInputOrder() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      BatchCli cli = BatchCli.against(stack, lines(), "sim/beta");
      interruptAfter(stack, cli, 10, "--order", "input");
      assertThat(Files.exists(cli.sidecar())).isTrue();

      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(cli.run(err, "--order", "input")).as(err.toString(StandardCharsets.UTF_8)).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("Resuming batch");
      assertInInputOrder(cli.output());
    }
  }

  @Test
  void aRerunWhoseBatchIsGoneSubmitsOnlyTheMissingLinesAndTheOutputIsInInputOrder() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      BatchCli cli = BatchCli.against(stack, lines(), "sim/beta");
      interruptAfter(stack, cli, 10, "--order", "input");

      Files.delete(cli.sidecar()); // as if the server lost the batch
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      cli.run(err, "--order", "input");
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("skipped: already in");
      assertInInputOrder(cli.output());
    }
  }

  /** Every line's result once, in input order; the failed line's in its place, the rejected line's absent. */
  private static void assertInInputOrder(Path output) throws Exception {
    List<JsonNode> results = BatchCli.results(output);
    assertThat(results.stream().map(r -> r.path("custom_id").asText()).toList()).isEqualTo(expectedIds());
    assertThat(results.get(FAILING).path("error").isObject()).isTrue();
    assertThat(results.get(FAILING + 1).path("response").path("status_code").asInt()).isEqualTo(200);
  }

  /**
   * Runs the command in a thread and interrupts it once the output holds at least {@code n} lines, with
   * the panel worker crashed so the batch is certainly unfinished when the interrupt lands. What the
   * interrupted run wrote is a prefix of the input's order.
   */
  private static void interruptAfter(FusionStack stack, BatchCli cli, int n, String... args) throws Exception {
    AtomicInteger exit = new AtomicInteger(-1);
    Thread thread = new Thread(() -> exit.set(cli.run(new ByteArrayOutputStream(), args)), "fusion-batch-cli");
    thread.start();
    await().atMost(Duration.ofMinutes(1)).until(() -> Files.exists(cli.output()) && BatchCli.results(cli.output()).size() >= n);
    stack.crashPanelWorker(); // at once: a graceful stop would let every in-flight line finish first
    try {
      // Interrupted until it stops: JDK 17's HttpClient can swallow an interrupt that lands while a body is read.
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        thread.interrupt();
        return !thread.isAlive();
      });
      assertThat(exit.get()).as("exit code of the interrupted run").isNotZero();
      List<String> written = BatchCli.results(cli.output()).stream().map(r -> r.path("custom_id").asText()).toList();
      assertThat(written.size()).isBetween(n, expectedIds().size() - 1);
      assertThat(written).isEqualTo(expectedIds().subList(0, written.size()));
    } finally {
      stack.startPanelWorker();
    }
  }
}
