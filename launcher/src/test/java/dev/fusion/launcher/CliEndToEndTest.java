package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.launcher.cli.AskCommand;
import dev.fusion.launcher.cli.BatchCommand;
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
    // Four panels at a time with a 300 ms model; the panel worker is stopped before the interrupt, so
    // the batch cannot finish first and let the command exit normally (a race CI lost twice).
    try (FusionStack stack = harness.newStack(Map.of("FUSION_PANEL_MAX_IN_FLIGHT", "4"))) {
      Path dir = PipelineHarness.tempDir();
      Path input = dir.resolve("prompts.jsonl");
      Path output = dir.resolve("results.jsonl");
      Files.writeString(input, BatchEndToEndTest.jsonl(300,
          i -> "{\"custom_id\":\"p-" + i + "\",\"prompt\":\"Prompt " + i + "\"}"));
      String url = "http://127.0.0.1:" + stack.httpPort();
      String[] args = {input.toString(), "-o", output.toString(), "--url", url, "--poll-ms", "50",
          "--models", "sim/alpha;latency_ms=300,sim/beta"};

      // Run 1: interrupted once some results are written; it re-attaches to its batch next time.
      interruptAfter(stack, args, output, 30);
      int afterFirst = lines(output).size();
      assertThat(afterFirst).isBetween(30, 299);
      assertThat(Files.exists(dir.resolve("results.jsonl.batch"))).isTrue();

      // Run 2: the batch it started is forgotten (as if the server lost it): only missing lines are sent.
      Files.delete(dir.resolve("results.jsonl.batch"));
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = run(args, err);
      assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("skipped: already in");

      List<JsonNode> results = lines(output);
      Set<String> ids = new HashSet<>();
      results.forEach(r -> ids.add(r.path("custom_id").asText()));
      assertThat(results).hasSize(300);
      assertThat(ids).hasSize(300);
      for (int i = 0; i < 300; i++) {
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
      Path dir = PipelineHarness.tempDir();
      Path input = dir.resolve("in.jsonl");
      Path output = dir.resolve("out.jsonl");
      Files.writeString(input, BatchEndToEndTest.jsonl(200,
          i -> "{\"custom_id\":\"r-" + i + "\",\"prompt\":\"Prompt " + i + "\"}"));
      String[] args = {input.toString(), "-o", output.toString(), "--url", "http://127.0.0.1:" + stack.httpPort(),
          "--poll-ms", "50", "--models", "sim/alpha;latency_ms=300"};
      interruptAfter(stack, args, output, 20);
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertThat(run(args, err)).isZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("Resuming batch");
      List<JsonNode> results = lines(output);
      assertThat(results).hasSize(200);
      assertThat(results.stream().map(r -> r.path("custom_id").asText()).distinct().count()).isEqualTo(200);
      // A third run has nothing left to do.
      ByteArrayOutputStream again = new ByteArrayOutputStream();
      assertThat(run(args, again)).isZero();
      assertThat(again.toString(StandardCharsets.UTF_8)).contains("Nothing to do");
    }
  }

  private static int run(String[] args, ByteArrayOutputStream err) {
    BatchCommand batch = new BatchCommand();
    batch.err = new PrintStream(err, true, StandardCharsets.UTF_8);
    return new CommandLine(batch).execute(args);
  }

  /**
   * Runs the command in a thread and interrupts it once the output holds at least {@code n} lines. The
   * panel worker is stopped meanwhile, so the batch is certainly unfinished when the interrupt lands.
   */
  private static void interruptAfter(FusionStack stack, String[] args, Path output, int n) throws Exception {
    AtomicInteger exit = new AtomicInteger(-1);
    Thread thread = new Thread(() -> exit.set(run(args, new ByteArrayOutputStream())), "fusion-batch-cli");
    thread.start();
    await().atMost(Duration.ofMinutes(1)).until(() -> Files.exists(output) && lines(output).size() >= n);
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

  private static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (!line.isBlank() && line.endsWith("}")) {
        try {
          out.add(Json.tree(line));
        } catch (RuntimeException e) {
          // a line being written right now
        }
      }
    }
    return out;
  }
}
