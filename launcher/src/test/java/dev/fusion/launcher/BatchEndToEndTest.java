package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.ingress.Ingress;
import dev.fusion.launcher.bench.BatchBench;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Batches end to end: streamed upload, fair dispatch, results in input order, cancel, restarts. */
class BatchEndToEndTest extends PipelineTestBase {
  @AfterEach
  void clearSettings() {
    System.clearProperty(BatchBench.MAX_IN_FLIGHT);
  }

  /** A pipeline that keeps at most {@code cap} jobs of batches in flight (ingress reads it when it starts). */
  private static FusionStack stackWithBatchCap(int cap) throws Exception {
    System.setProperty(BatchBench.MAX_IN_FLIGHT, String.valueOf(cap));
    return harness.newStack(Map.of());
  }

  /**
   * Lines in the batches that run to the end: twice the upload's pause threshold (1,000 sends pending)
   * and eight results chunks, at a tenth of the 10,000 lines that cost minutes of every build.
   */
  private static final int LINES = 2_000;

  @Test
  void thousandsOfLinesCompleteWithOneResultPerLineInInputOrder() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      String body = jsonl(LINES, i -> "{\"custom_id\":\"q-" + i + "\",\"prompt\":\"Question " + i + "?\"}");
      long started = System.nanoTime();
      JsonNode batch = upload(stack, "?analysis_models=sim/alpha,sim/beta", body);
      long uploaded = System.nanoTime();
      assertThat(batch.path("status").asText()).isEqualTo("in_progress");
      assertThat(batch.path("request_counts").path("total").asLong()).isEqualTo(LINES);

      JsonNode done = awaitStatus(stack, batch.path("id").asText(), "completed", Duration.ofMinutes(3));
      // Reported, not asserted: timings depend on the machine.
      System.out.printf("%d-line batch: upload %d ms, upload to completed %d ms%n", LINES,
          (uploaded - started) / 1_000_000, (System.nanoTime() - uploaded) / 1_000_000);
      assertThat(done.path("request_counts").path("completed").asLong()).isEqualTo(LINES);
      assertResultsInOrder(stack, batch.path("id").asText(), LINES);
    }
  }

  @Test
  void restartingThePanelAndJudgeWorkersMidBatchLosesNoLineAndDuplicatesNone() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      String id = batchUnderWay(stack, "?analysis_models=sim/alpha,sim/beta",
          shorthandLines(LINES, "r", "Restart question"), LINES / 10);
      stack.stopPanelWorker();
      stack.stopJudgeWorker();
      long atStop = completed(stack, id);
      stack.startPanelWorker();
      stack.startJudgeWorker();

      JsonNode done = awaitStatus(stack, id, "completed", Duration.ofMinutes(3));
      assertThat(atStop).isLessThan(LINES);
      assertThat(done.path("request_counts").path("completed").asLong()
          + done.path("request_counts").path("failed").asLong()).isEqualTo(LINES);
      assertResultsInOrder(stack, id, LINES);
      Map<String, Integer> perJob = recordsPerKey(stack.context().topics().results().name(), jobIds(id, LINES));
      assertThat(perJob).hasSize(LINES);
      // The results topic is compacted and upserted by job ID: a replayed stage may rewrite a result,
      // but the batch's result file (asserted above) has exactly one line per custom_id.
    }
  }

  @Test
  void restartingIngressMidBatchLosesNoLineAndDispatchesNoLineTwice() throws Exception {
    try (FusionStack stack = stackWithBatchCap(50)) {
      String id = batchUnderWay(stack, "?analysis_models=sim/alpha;latency_ms=20",
          shorthandLines(1_000, "i", "Ingress restart"), 300);

      // When ingress (HTTP, jobs view, batch store and dispatcher) stops and a new one starts on its data
      stack.ingress().stop();
      Ingress again = new Ingress(stack.context(), 0, stack.config().dataDir().resolve("ingress-view"), null);
      again.start();
      try {
        String base = "http://127.0.0.1:" + again.port();
        JsonNode done = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
            .until(() -> Json.tree(get(base + "/v1/batches/" + id)), b -> b.path("status").asText().equals("completed"));
        // Then every line has exactly one result, in input order, and no line was dispatched twice
        assertThat(done.path("request_counts").path("completed").asLong()).isEqualTo(1_000);
        List<JsonNode> results = parseLines(get(base + "/v1/batches/" + id + "/results"));
        assertThat(results).hasSize(1_000);
        for (int i = 0; i < results.size(); i++) {
          assertThat(results.get(i).path("custom_id").asText()).isEqualTo("i-" + i);
        }
        Map<String, Integer> jobs = recordsPerKey(stack.context().topics().jobs().name(), jobIds(id, 1_000));
        assertThat(jobs).hasSize(1_000);
        assertThat(jobs.values()).allMatch(n -> n == 1);
      } finally {
        again.stop();
      }
    }
  }

  @Test
  void badLinesAreReportedByLineNumberAndTheRestRun() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      String body = String.join("\n",
          "{\"custom_id\":\"a\",\"prompt\":\"fine\"}",
          "{\"custom_id\":\"b\",",
          "{\"custom_id\":\"a\",\"prompt\":\"again\"}",
          "{\"custom_id\":\"c\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"fusion\","
              + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
              + "\"plugins\":[{\"id\":\"fusion\",\"analysis_models\":[\"sim/alpha\",\"sim/gamma\"]}]}}",
          "{\"custom_id\":\"d\",\"prompt\":\"x\",\"analysis_models\":[]}");
      JsonNode batch = upload(stack, "", body);
      assertThat(batch.path("status").asText()).isEqualTo("in_progress");
      assertThat(batch.path("invalid_lines").asLong()).isEqualTo(3);
      List<String> errors = new ArrayList<>();
      batch.path("errors").path("data").forEach(e -> errors.add(e.path("line").asLong() + ":" + e.path("code").asText()));
      // A shorthand line takes the jobs API's settings now, so an empty panel is an invalid value (not an unknown field)
      assertThat(errors).containsExactly("2:invalid_json", "3:duplicate_custom_id", "5:invalid_value");
      String id = batch.path("id").asText();
      awaitStatus(stack, id, "completed", Duration.ofMinutes(1));
      List<JsonNode> results = results(stack, id);
      assertThat(results).extracting(r -> r.path("custom_id").asText()).containsExactly("a", "c");
      assertThat(results.get(1).path("response").path("body").path("fusion").path("responses")).hasSize(2);

      JsonNode allBad = upload(stack, "", "{oops\n{\"custom_id\":\"x\"}\n");
      assertThat(allBad.path("status").asText()).isEqualTo("failed");
      assertThat(allBad.path("errors").path("data")).hasSize(2);
      // The list pages like the jobs list: newest first, first_id / last_id / has_more, after=<last_id>
      JsonNode first = harness.getJson(stack, "/v1/batches?limit=1");
      assertThat(first.path("object").asText()).isEqualTo("list");
      assertThat(first.path("data")).hasSize(1);
      assertThat(first.path("first_id").asText()).isEqualTo(allBad.path("id").asText())
          .isEqualTo(first.path("last_id").asText());
      assertThat(first.path("has_more").asBoolean()).isTrue();
      JsonNode second = harness.getJson(stack, "/v1/batches?limit=1&after=" + first.path("last_id").asText());
      assertThat(second.path("first_id").asText()).isEqualTo(id);
      assertThat(second.path("has_more").asBoolean()).isFalse();
      assertThat(harness.get(stack, "/v1/batches?limit=0").statusCode()).isEqualTo(400);
      HttpResponse<String> badSettings = post(stack, "/v1/batches?temperature=7", "{}");
      assertThat(badSettings.statusCode()).isEqualTo(400);
      assertThat(Json.tree(badSettings.body()).path("error").path("param").asText()).isEqualTo("temperature");
    }
  }

  @Test
  void anUploadLargerThanTheJsonBodyLimitIsStreamedLineByLine() throws Exception {
    try (FusionStack stack = stackWithBatchCap(5)) {
      // ~6 MB, chunked (no content-length), well over the 4 MB limit buffered request bodies have
      String padding = "x".repeat(3_000);
      HttpResponse<String> response = harness.http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + stack.httpPort() + "/v1/batches?analysis_models=sim/alpha%3Blatency_ms=50"))
          .header("content-type", "application/jsonl")
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
              java.util.Collections.enumeration(java.util.stream.IntStream.range(0, 2_000)
                  .mapToObj(i -> (java.io.InputStream) new java.io.ByteArrayInputStream(
                      ("{\"custom_id\":\"big-" + i + "\",\"prompt\":\"" + padding + "\"}\n").getBytes()))
                  .toList()))))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode batch = Json.tree(response.body());
      assertThat(batch.path("request_counts").path("total").asLong()).isEqualTo(2_000);
      assertThat(batch.path("invalid_lines").asLong()).isZero();
      String id = batch.path("id").asText();
      assertThat(post(stack, "/v1/batches/" + id + "/cancel", "").statusCode()).isEqualTo(200);
      awaitStatus(stack, id, "cancelled", Duration.ofMinutes(1));
    }
  }

  @Test
  void cancelStopsDispatchingAndLetsInFlightJobsFinish() throws Exception {
    try (FusionStack stack = stackWithBatchCap(20)) {
      String id = batchUnderWay(stack, "?analysis_models=sim/alpha;latency_ms=100",
          shorthandLines(400, "c", "Slow"), 20);

      HttpResponse<String> cancel = post(stack, "/v1/batches/" + id + "/cancel", "");
      assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
      JsonNode cancelling = Json.tree(cancel.body());
      assertThat(cancelling.path("status").asText()).isEqualTo("cancelling");
      long dispatched = cancelling.path("request_counts").path("dispatched").asLong();
      assertThat(dispatched).isBetween(20L, 399L);

      JsonNode cancelled = awaitStatus(stack, id, "cancelled", Duration.ofMinutes(1));
      JsonNode counts = cancelled.path("request_counts");
      assertThat(counts.path("completed").asLong() + counts.path("failed").asLong()).isEqualTo(dispatched);
      // Exactly the lines dispatched before the cancel answered ever reached the jobs topic.
      assertThat(recordsPerKey(stack.context().topics().jobs().name(), jobIds(id, 400))).hasSize((int) dispatched);
      List<JsonNode> results = results(stack, id);
      assertThat(results).hasSize(400);
      assertThat(results.stream().filter(r -> r.path("error").path("code").asText().equals("batch_cancelled")).count())
          .isEqualTo(400 - dispatched);
    }
  }

  @Test
  void anInteractiveJobSubmittedMidBatchCompletesWhileTheBatchRuns() throws Exception {
    try (FusionStack stack = stackWithBatchCap(10)) {
      String id = batchUnderWay(stack, "?analysis_models=sim/alpha;latency_ms=200",
          shorthandLines(300, "b", "Batch"), 10);

      String job = harness.submit(stack, PipelineHarness.jobBody("Interactive?", "sim/beta", "sim/gamma"));
      JsonNode result = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20))
          .until(() -> harness.getJson(stack, "/v1/jobs/" + job), j -> j.path("status").asText().matches("completed|failed"));
      JsonNode batch = harness.getJson(stack, "/v1/batches/" + id);

      assertThat(result.path("status").asText()).isEqualTo("completed");
      assertThat(batch.path("status").asText()).isEqualTo("in_progress");
      assertThat(batch.path("request_counts").path("completed").asLong()).isLessThan(300);
      assertThat(batch.path("request_counts").path("in_flight").asLong()).isLessThanOrEqualTo(10);
      assertThat(batch.path("rate_per_second").asDouble()).isPositive();
      assertThat(batch.path("eta_seconds").isNumber()).isTrue();
      // The caller's list shows it.
      JsonNode list = harness.getJson(stack, "/v1/batches");
      assertThat(list.path("data")).anyMatch(b -> b.path("id").asText().equals(id));
    }
  }

  // ---- helpers ----

  static String jsonl(int n, IntFunction<String> line) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(line.apply(i)).append('\n');
    }
    return sb.toString();
  }

  /** {@code n} shorthand lines: custom ID {@code <idPrefix>-<i>}, prompt {@code <prompt> <i>}. */
  static String shorthandLines(int n, String idPrefix, String prompt) {
    return jsonl(n, i -> "{\"custom_id\":\"" + idPrefix + "-" + i + "\",\"prompt\":\"" + prompt + " " + i + "\"}");
  }

  private static HttpResponse<String> post(FusionStack stack, String path, String body) throws Exception {
    return harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + path))
        .header("content-type", "application/jsonl").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode upload(FusionStack stack, String query, String body) throws Exception {
    HttpResponse<String> response = post(stack, "/v1/batches" + query.replace(";", "%3B"), body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.tree(response.body());
  }

  /**
   * Uploads {@code lines} with the settings in {@code query} and waits until at least {@code finished} of
   * them have completed or failed: the batch's ID.
   */
  private static String batchUnderWay(FusionStack stack, String query, String lines, long finished) throws Exception {
    String id = upload(stack, query, lines).path("id").asText();
    await().atMost(Duration.ofMinutes(1)).until(() -> completed(stack, id) >= finished);
    return id;
  }

  private static long completed(FusionStack stack, String id) throws Exception {
    JsonNode counts = harness.getJson(stack, "/v1/batches/" + id).path("request_counts");
    return counts.path("completed").asLong() + counts.path("failed").asLong();
  }

  private static JsonNode awaitStatus(FusionStack stack, String id, String status, Duration atMost) {
    return await().atMost(atMost).pollInterval(Duration.ofMillis(200))
        .until(() -> harness.getJson(stack, "/v1/batches/" + id), b -> b.path("status").asText().equals(status));
  }

  private static String get(String url) throws Exception {
    return harness.http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  static List<JsonNode> results(FusionStack stack, String id) throws Exception {
    return parseLines(harness.get(stack, "/v1/batches/" + id + "/results").body());
  }

  static List<JsonNode> parseLines(String text) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        out.add(Json.tree(line));
      }
    }
    return out;
  }

  private static void assertResultsInOrder(FusionStack stack, String id, int n) throws Exception {
    List<JsonNode> results = results(stack, id);
    assertThat(results).hasSize(n);
    Set<String> ids = new HashSet<>();
    long previous = 0;
    for (JsonNode r : results) {
      assertThat(ids.add(r.path("custom_id").asText())).isTrue();
      assertThat(r.path("line").asLong()).isGreaterThan(previous);
      previous = r.path("line").asLong();
      assertThat(r.path("custom_id").asText()).endsWith("-" + (previous - 1));
      assertThat(r.path("response").path("body").path("choices").get(0).path("message").path("content").asText())
          .isNotBlank();
    }
  }

  /** The job IDs of lines 1..n of a batch. */
  private static Set<String> jobIds(String batchId, int lines) {
    Set<String> ids = new HashSet<>();
    for (int line = 1; line <= lines; line++) {
      ids.add(dev.fusion.common.contract.BatchItem.jobId(batchId, line));
    }
    return ids;
  }

  /** Reads a whole topic and counts records per key, for the given keys. */
  private static Map<String, Integer> recordsPerKey(String topic, Set<String> keys) {
    Map<String, Integer> counts = new HashMap<>();
    for (var r : harness.records(topic, null)) {
      String key = new String(r.key(), StandardCharsets.UTF_8);
      if (keys.contains(key)) {
        counts.merge(key, 1, Integer::sum);
      }
    }
    return counts;
  }
}
