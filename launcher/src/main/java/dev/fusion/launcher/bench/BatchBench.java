package dev.fusion.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@code batch} scenario: generates {@code N} shorthand prompt lines on the fly and streams them to
 * {@code POST /v1/batches} (the file never exists, in memory or on disk), follows the batch's status
 * until it is terminal, then downloads the results and checks them against what was sent: one line
 * per {@code custom_id}, none lost, none duplicated. Timing is from the first byte of the upload to the
 * poll that sees the batch terminal.
 */
public final class BatchBench {
  /** The ingress setting that caps batch jobs in the pipeline; a system property wins over the env. */
  public static final String MAX_IN_FLIGHT = "FUSION_BATCH_MAX_IN_FLIGHT";
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final String ingressUrl;
  private final String bootstrap;
  private final LoadProfile profile;
  private final int panelSize;
  private final PrintStream log;
  private final long progressEveryNanos;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /**
   * @param latency simulated model latency, as for the other scenarios: {@code 0}, {@code fixed:MS} or
   *     {@code lognormal:MEDIAN:SIGMA}
   * @param log where upload and progress lines go
   */
  public BatchBench(String ingressUrl, String bootstrap, String latency, int panelSize, PrintStream log,
      Duration progressEvery) {
    this.ingressUrl = ingressUrl;
    this.bootstrap = bootstrap;
    this.profile = LoadProfile.parse(latency);
    this.panelSize = panelSize;
    this.log = log;
    this.progressEveryNanos = progressEvery.toNanos();
  }

  /** Runs one batch of {@code prompts} lines; gives up following it after {@code limit}. */
  public Report run(long prompts, Duration limit) throws Exception {
    try (MemorySampler memory = new MemorySampler()) {
      memory.start();
      CostMeter cost = new CostMeter(bootstrap);
      cost.start();
      long t0 = System.nanoTime();
      JsonNode batch = upload(prompts);
      double uploadSeconds = (System.nanoTime() - t0) / 1e9;
      String id = batch.path("id").asText();
      log.printf("uploaded %,d prompts in %.1f s: batch %s, %,d accepted, %,d invalid lines%n", prompts,
          uploadSeconds, id, batch.path("request_counts").path("total").asLong(), batch.path("invalid_lines").asLong());

      JsonNode last = follow(id, t0, t0 + limit.toNanos());
      double totalSeconds = (System.nanoTime() - t0) / 1e9;
      CostMeter.Cost costs = cost.stop(prompts);
      ResultCheck check = download(id, prompts);
      JsonNode counts = last.path("request_counts");
      return new Report(profile.toString(), panelSize, prompts, batch.path("request_counts").path("total").asLong(),
          batch.path("invalid_lines").asLong(), last.path("status").asText(), counts.path("completed").asLong(),
          counts.path("failed").asLong(), check.lines(), check.completed(), check.failed(), check.lost(),
          check.duplicated(), check.unexpected(), check.inOrder(), check.failureCodes(), uploadSeconds,
          totalSeconds, memory.maxHeapBytes(), memory.maxRssBytes(), costs);
    }
  }

  /** The line for prompt {@code i}: the shorthand shape, models coming from the batch-level settings. */
  static String line(long i) {
    return "{\"custom_id\":\"" + customId(i) + "\",\"prompt\":\"Benchmark question " + i
        + ": what makes a good cache?\"}\n";
  }

  static String customId(long i) {
    return "p" + i;
  }

  private JsonNode upload(long prompts) throws IOException, InterruptedException {
    String query = "?analysis_models=" + enc(String.join(",", LoadBench.panelModels(profile, panelSize)))
        + "&model=" + enc(LoadBench.judgeModel(profile)) + "&synthesizer=" + enc(LoadBench.synthesizerModel(profile));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(ingressUrl + "/v1/batches" + query))
        .header("content-type", "application/jsonl")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PromptLines(prompts))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("upload answered " + response.statusCode() + ": " + clip(response.body()));
    }
    return Json.tree(response.body());
  }

  /** Polls the status until the batch is terminal or the deadline passes; returns the last status. */
  private JsonNode follow(String id, long t0, long deadline) throws IOException, InterruptedException {
    long nextProgress = System.nanoTime() + progressEveryNanos;
    while (true) {
      JsonNode status = getJson("/v1/batches/" + id);
      String s = status.path("status").asText();
      boolean terminal = s.equals("completed") || s.equals("failed") || s.equals("cancelled");
      long now = System.nanoTime();
      if (terminal || now >= nextProgress || now >= deadline) {
        JsonNode c = status.path("request_counts");
        log.printf("%6.1f s  %-11s %,d/%,d completed, %,d failed, %,d in flight, %.1f/s%n", (now - t0) / 1e9, s,
            c.path("completed").asLong(), c.path("total").asLong(), c.path("failed").asLong(),
            c.path("in_flight").asLong(), status.path("rate_per_second").asDouble());
        nextProgress = now + progressEveryNanos;
      }
      if (terminal) {
        return status;
      }
      if (now >= deadline) {
        log.printf("gave up following batch %s: still %s%n", id, s);
        return status;
      }
      LockSupport.parkNanos(POLL_NANOS); // pacing of a poll loop, not synchronisation
    }
  }

  private ResultCheck download(String id, long prompts) throws IOException, InterruptedException {
    HttpResponse<InputStream> response = http.send(
        HttpRequest.newBuilder(URI.create(ingressUrl + "/v1/batches/" + id + "/results")).GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    ResultCheck check = new ResultCheck(prompts);
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      if (response.statusCode() != 200) {
        throw new IllegalStateException("results answered " + response.statusCode());
      }
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isBlank()) {
          check.accept(line);
        }
      }
    }
    return check;
  }

  private JsonNode getJson(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(ingressUrl + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": " + clip(response.body()));
    }
    return Json.tree(response.body());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String clip(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "…";
  }

  /** The upload body: lines made as the HTTP client reads, so only one line exists at a time. */
  static final class PromptLines extends InputStream {
    private final long total;
    private long next;
    private byte[] current = new byte[0];
    private int pos;

    PromptLines(long total) {
      this.total = total;
    }

    private boolean fill() {
      if (pos < current.length) {
        return true;
      }
      if (next >= total) {
        return false;
      }
      current = line(next++).getBytes(StandardCharsets.UTF_8);
      pos = 0;
      return true;
    }

    @Override
    public int read() {
      return fill() ? current[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = 0;
      while (n < len && fill()) {
        int k = Math.min(len - n, current.length - pos);
        System.arraycopy(current, pos, b, off + n, k);
        pos += k;
        n += k;
      }
      return n == 0 ? -1 : n;
    }
  }

  /**
   * Checks a results file line by line against the {@code expected} prompts {@code p0..p(N-1)}: which
   * custom IDs came back (a bit each, so 100,000 prompts cost 12 KiB), which twice, which were never
   * sent, whether lines are in input order, and how many succeeded.
   */
  public static final class ResultCheck {
    private final long expected;
    private final BitSet seen = new BitSet();
    private final Map<String, Long> failureCodes = new TreeMap<>();
    private long lines;
    private long completed;
    private long failed;
    private long duplicated;
    private long unexpected;
    private long lastLine = Long.MIN_VALUE;
    private boolean inOrder = true;

    public ResultCheck(long expected) {
      this.expected = expected;
    }

    public void accept(String text) {
      lines++;
      JsonNode line = Json.tree(text);
      long index = index(line.path("custom_id").asText());
      if (index < 0) {
        unexpected++;
      } else if (seen.get((int) index)) {
        duplicated++;
      } else {
        seen.set((int) index);
      }
      long number = line.path("line").asLong();
      inOrder &= number > lastLine;
      lastLine = number;
      JsonNode error = line.path("error");
      if (line.path("response").path("status_code").asInt() == 200 && (error.isMissingNode() || error.isNull())) {
        completed++;
      } else {
        failed++;
        failureCodes.merge(error.path("code").asText("unknown"), 1L, Long::sum);
      }
    }

    private long index(String customId) {
      if (!customId.startsWith("p")) {
        return -1;
      }
      try {
        long i = Long.parseLong(customId.substring(1));
        return i >= 0 && i < expected && customId.equals(customId(i)) ? i : -1;
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    public long lines() {
      return lines;
    }

    public long completed() {
      return completed;
    }

    public long failed() {
      return failed;
    }

    public long lost() {
      return expected - seen.cardinality();
    }

    public long duplicated() {
      return duplicated;
    }

    public long unexpected() {
      return unexpected;
    }

    public boolean inOrder() {
      return inOrder;
    }

    public Map<String, Long> failureCodes() {
      return failureCodes;
    }
  }

  /**
   * One batch run. {@code status*} counts are what the status endpoint reported; the others come from
   * the downloaded results, which is what the verdict rests on.
   */
  public record Report(String simLatency, int panelSize, long prompts, long accepted, long invalidLines,
      String status, long statusCompleted, long statusFailed, long resultLines, long completed, long failed,
      long lost, long duplicated, long unexpected, boolean inOrder, Map<String, Long> failureCodes,
      double uploadSeconds, double totalSeconds, long maxHeapBytes, long maxRssBytes, CostMeter.Cost cost) {

    /** Every prompt completed, exactly once, and nothing else came back. */
    public boolean ok() {
      return "completed".equals(status) && resultLines == prompts && completed == prompts && failed == 0
          && lost == 0 && duplicated == 0 && unexpected == 0 && inOrder;
    }

    double throughput() {
      return totalSeconds > 0 ? completed / totalSeconds : 0;
    }

    ObjectNode toJson() {
      ObjectNode o = Json.object().put("scenario", "batch").put("sim_latency", simLatency)
          .put("panel_size", panelSize).put("prompts", prompts).put("accepted", accepted)
          .put("invalid_lines", invalidLines).put("status", status).put("result_lines", resultLines)
          .put("completed", completed).put("failed", failed).put("lost", lost).put("duplicated", duplicated)
          .put("unexpected", unexpected).put("in_order", inOrder)
          .put("upload_seconds", BenchResult.round(uploadSeconds)).put("total_seconds", BenchResult.round(totalSeconds))
          .put("throughput_per_s", BenchResult.round(throughput()))
          .put("max_heap_mb", maxHeapBytes / (1024 * 1024)).put("max_rss_mb", maxRssBytes / (1024 * 1024))
          .put("ok", ok());
      o.putObject("status_counts").put("completed", statusCompleted).put("failed", statusFailed);
      ObjectNode codes = o.putObject("failure_codes");
      failureCodes.forEach(codes::put);
      BenchResult.putCost(o, cost, "prompt");
      return o;
    }

    private static final MarkdownTable TABLE = new MarkdownTable("scenario", "%s", "sim latency", "%s", "panel", "%d",
        "prompts", "%d", "completed", "%d", "failed", "%d", "lost", "%d", "duplicated", "%d", "upload s", "%.1f",
        "total s", "%.1f", "prompts/s", "%.0f", "max heap MB", "%d", "max RSS MB", "%d", "CPU ms/prompt", "%.1f",
        "records/prompt", "%.1f");

    static String markdownHeader() {
      return TABLE.header();
    }

    String markdownRow() {
      return TABLE.row("batch", simLatency, panelSize, prompts, completed, failed, lost, duplicated, uploadSeconds,
          totalSeconds, throughput(), maxHeapBytes / (1024 * 1024), maxRssBytes / (1024 * 1024), cost.cpuMsPerJob(),
          cost.recordsPerJob());
    }
  }
}
