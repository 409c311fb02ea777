package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.launcher.cli.AskCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code fusion ask} and {@code fusion batch} commands against a real ingress over HTTP. */
class CliEndToEndTest extends PipelineTestBase {
  /**
   * Lines per batch: enough that an interrupt after a few dozen results leaves work undone (the panel
   * worker is stopped before it lands, so the batch cannot finish meanwhile), few enough to run in seconds.
   */
  private static final int LINES = 150;

  @Test
  void askShowsThePanelTheAnalysisAndTheAnswer() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      AskCommand ask = new AskCommand();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ask.out = new PrintStream(out, true, StandardCharsets.UTF_8);
      ask.err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      int code = new CommandLine(ask).execute("--url", "http://127.0.0.1:" + stack.httpPort(),
          "--models", "sim/alpha,sim/beta,sim/gamma;fault=http500", "What", "limits", "battery", "life?");
      String text = out.toString(StandardCharsets.UTF_8);
      assertThat(code).as(text).isZero();
      assertThat(text).contains("✓ sim/alpha answered", "✓ sim/beta answered", "✗ sim/gamma;fault=http500 failed",
          "Analysis", "consensus", "Answer:", "completed · sim/writer");
      assertThat(text.indexOf("Analysis")).isLessThan(text.indexOf("Answer:"));
    }
  }

  @Test
  void anInterruptedBatchResumesWithoutDuplicatesAndEndsWithEveryLine() throws Exception {
    // Four panels at a time with a 100 ms model; the panel worker is stopped before the interrupt, so
    // the batch cannot finish first and let the command exit normally (a race CI lost twice).
    try (FusionStack stack = harness.newStack(Map.of("FUSION_PANEL_MAX_IN_FLIGHT", "4"))) {
      BatchCli cli = BatchCli.against(stack, BatchEndToEndTest.shorthandLines(LINES, "p", "Prompt"),
          "sim/alpha;latency_ms=100,sim/beta");
      Path output = cli.output();

      // Run 1: interrupted once some results are written; it re-attaches to its batch next time.
      interruptAfter(stack, cli, 30);
      int afterFirst = BatchCli.results(output).size();
      assertThat(afterFirst).isBetween(30, LINES - 1);
      assertThat(Files.exists(cli.sidecar())).isTrue();

      // Run 2: the batch it started is forgotten (as if the server lost it): only missing lines are sent.
      Files.delete(cli.sidecar());
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = cli.run(err);
      assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("skipped: already in");

      List<JsonNode> results = BatchCli.results(output);
      Set<String> ids = new HashSet<>();
      results.forEach(r -> ids.add(r.path("custom_id").asText()));
      assertThat(results).hasSize(LINES);
      assertThat(ids).hasSize(LINES);
      for (int i = 0; i < LINES; i++) {
        assertThat(ids).contains("p-" + i);
      }
      assertThat(results).allMatch(r -> r.path("error").isNull() && r.path("response").path("status_code").asInt() == 200);
    }
  }

  @Test
  void aRerunReattachesToTheRunningBatch() throws Exception {
    // Four panels at a time, and the panel worker held while the first run is interrupted after 20
    // results: the batch is still running when the rerun attaches to it.
    try (FusionStack stack = harness.newStack(Map.of("FUSION_PANEL_MAX_IN_FLIGHT", "4"))) {
      BatchCli cli = BatchCli.against(stack, BatchEndToEndTest.shorthandLines(LINES, "r", "Prompt"),
          "sim/alpha;latency_ms=100");
      interruptAfter(stack, cli, 20);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(cli.run(err)).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("Resuming batch");
      List<JsonNode> results = BatchCli.results(cli.output());
      assertThat(results).hasSize(LINES);
      assertThat(results.stream().map(r -> r.path("custom_id").asText()).distinct().count()).isEqualTo(LINES);
      // A third run has nothing left to do.
      ByteArrayOutputStream again = new ByteArrayOutputStream();
      assertThat(cli.run(again)).isZero();
      assertThat(again.toString(StandardCharsets.UTF_8)).contains("Nothing to do");
    }
  }

  /**
   * Runs the command in a thread and interrupts it once the output holds at least {@code n} lines. The
   * panel worker is stopped meanwhile, so the batch is certainly unfinished when the interrupt lands.
   */
  private static void interruptAfter(FusionStack stack, BatchCli cli, int n) throws Exception {
    AtomicInteger exit = new AtomicInteger(-1);
    Thread thread = new Thread(() -> exit.set(cli.run(new ByteArrayOutputStream())), "fusion-batch-cli");
    thread.start();
    await().atMost(Duration.ofMinutes(1)).until(() -> Files.exists(cli.output()) && BatchCli.results(cli.output()).size() >= n);
    stack.stopPanelWorker();
    try {
      // Interrupted until it stops: JDK 17's HttpClient swallows an interrupt that lands while a response
      // body is read (HttpResponseInputStream.current catches InterruptedException and reads on), and the
      // command reads the results body on every poll, so one interrupt can be lost.
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        thread.interrupt();
        return !thread.isAlive();
      });
      assertThat(exit.get()).as("exit code of the interrupted run").isNotZero();
    } finally {
      stack.startPanelWorker();
    }
  }
}
