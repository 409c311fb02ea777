package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The management endpoint of a running pipeline, scraped over real HTTP after a handful of jobs (one of
 * them failing, one a batch with an invalid line): the counters and histograms hold what happened.
 */
class MetricsEndToEndTest extends PipelineTestBase {

  @Test
  void afterAHandfulOfJobsTheScrapeCountsThemByOutcomeModelAndStage() throws Exception {
    // Retried 500s: two retries per failing call, so the retry counter has a value to check.
    try (FusionStack stack = harness.newStack(Map.of("FUSION_MODEL_MAX_ATTEMPTS", "3"))) {
      int port = stack.startManagement(0);
      await().atMost(Duration.ofSeconds(30)).until(() -> get(port, "/health/ready").statusCode() == 200);
      assertThat(get(port, "/health/ready").body()).contains("\"model-gateway\":true").contains("\"judge-worker\":true");
      assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);

      // Given three jobs that complete and one whose every panel model fails
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(harness.submit(stack, PipelineHarness.jobBody("Metrics question " + i, "sim/alpha", "sim/beta")));
      }
      ids.add(harness.submit(stack, PipelineHarness.jobBody("Doomed", "sim/alpha;fault=http401", "sim/beta;fault=http500")));
      // and a batch of one valid line and one that is not JSON
      HttpResponse<String> batch = harness.http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + stack.httpPort() + "/v1/batches?analysis_models=sim/alpha"))
          .header("content-type", "application/jsonl")
          .POST(HttpRequest.BodyPublishers.ofString("{\"custom_id\":\"a\",\"prompt\":\"Batch question\"}\nnot json\n"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
      String batchId = Json.tree(batch.body()).path("id").asText();
      for (String id : ids) {
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.getJson(stack, "/v1/jobs/" + id),
            j -> j.path("status").asText().matches("completed|failed"));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> harness.getJson(stack, "/v1/batches/" + batchId),
          b -> b.path("status").asText().equals("completed"));

      // Then the scrape counts them (results are counted once Kafka acknowledged them: wait for that)
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        Scrape s = scrape(port);
        assertThat(s.value("fusion_jobs_accepted_total", "source", "http")).isEqualTo(4);
        assertThat(s.value("fusion_jobs_accepted_total", "source", "batch")).isEqualTo(1);
        assertThat(s.value("fusion_jobs_finished_total", "status", "completed", "reason", "none")).isEqualTo(4);
        assertThat(s.value("fusion_jobs_finished_total", "status", "failed", "reason", "all_panels_failed")).isEqualTo(1);
        assertThat(s.value("fusion_job_duration_seconds_count")).isEqualTo(5);
        assertThat(s.value("fusion_batch_lines_total", "status", "invalid")).isEqualTo(1);
        assertThat(s.value("fusion_batch_lines_total", "status", "completed")).isEqualTo(1);
      });
      Scrape s = scrape(port);
      // Model calls per model and stage, by outcome; the simulator's ;options are not part of the label
      assertThat(s.value("fusion_model_calls_total", "model", "sim/alpha", "stage", "panel", "outcome", "ok")).isEqualTo(4);
      assertThat(s.value("fusion_model_calls_total", "model", "sim/alpha", "stage", "panel", "outcome", "auth_failed"))
          .isEqualTo(1);
      assertThat(s.value("fusion_model_calls_total", "model", "sim/beta", "stage", "panel", "outcome", "ok")).isEqualTo(3);
      assertThat(s.value("fusion_model_calls_total", "model", "sim/beta", "stage", "panel", "outcome", "upstream_error"))
          .isEqualTo(1);
      assertThat(s.value("fusion_model_retries_total", "model", "sim/beta", "reason", "upstream_error")).isEqualTo(2);
      assertThat(s.value("fusion_model_calls_total", "model", "sim/judge", "stage", "judge", "outcome", "ok")).isEqualTo(4);
      assertThat(s.value("fusion_model_calls_total", "model", "sim/writer", "stage", "synthesizer", "outcome", "ok"))
          .isEqualTo(4);
      assertThat(s.labelValues("fusion_model_calls_total", "model")).containsOnly("sim/alpha", "sim/beta", "sim/judge",
          "sim/writer");
      assertThat(s.value("fusion_model_call_duration_seconds_count", "model", "sim/judge", "stage", "judge")).isEqualTo(4);
      assertThat(s.value("fusion_model_tokens_total", "model", "sim/writer", "stage", "synthesizer", "kind", "completion"))
          .isPositive();
      assertThat(s.value("fusion_model_tokens_total", "model", "sim/alpha", "stage", "panel", "kind", "prompt"))
          .isPositive();
      assertThat(s.has("fusion_model_cost_usd_total", "model", "sim/writer", "stage", "synthesizer")).isTrue();
      // Per stage: one record per job each (the failed job's panel too), nothing left in flight
      assertThat(s.value("fusion_stage_duration_seconds_count", "stage", "panel")).isEqualTo(5);
      assertThat(s.value("fusion_stage_duration_seconds_count", "stage", "judge")).isEqualTo(5);
      assertThat(s.value("fusion_stage_duration_seconds_count", "stage", "synthesizer")).isEqualTo(5);
      assertThat(s.has("fusion_stage_duration_seconds_bucket", "stage", "panel", "le", "+Inf")).isTrue();
      for (String stage : List.of("panel", "judge", "synthesizer")) {
        assertThat(s.value("fusion_worker_in_flight", "stage", stage)).as(stage).isZero();
      }
      assertThat(s.value("fusion_gateway_queue_depth", "provider", "simulator")).isZero();
      // JVM and Kafka clients (producer, consumers, the judge's Streams)
      assertThat(s.text).contains("jvm_memory_used_bytes", "jvm_gc_", "kafka_producer_", "kafka_consumer_",
          "kafka_stream_");
      // No job ID or tenant ever becomes a label
      for (String id : ids) {
        assertThat(s.text).doesNotContain(id);
      }
      assertThat(s.text).doesNotContain("tenant=");
    }
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Scrape scrape(int port) throws Exception {
    HttpResponse<String> r = get(port, "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    return new Scrape(r.body());
  }

  /** The Prometheus text format, read line by line: {@code name{k="v",...} value}. */
  record Scrape(String text) {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private record Sample(String name, Map<String, String> labels, double value) {}

    private List<Sample> samples() {
      List<Sample> out = new ArrayList<>();
      for (String line : text.split("\n")) {
        Matcher m = SAMPLE.matcher(line);
        if (line.startsWith("#") || !m.matches()) {
          continue;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (m.group(2) != null) {
          Matcher l = LABEL.matcher(m.group(2));
          while (l.find()) {
            labels.put(l.group(1), l.group(2));
          }
        }
        out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
      }
      return out;
    }

    private List<Sample> matching(String name, String... labels) {
      return samples().stream().filter(x -> x.name.equals(name)).filter(x -> {
        for (int i = 0; i < labels.length; i += 2) {
          if (!labels[i + 1].equals(x.labels.get(labels[i]))) {
            return false;
          }
        }
        return true;
      }).toList();
    }

    /** The sum over every series of {@code name} with these labels (0 when there is none). */
    double value(String name, String... labels) {
      return matching(name, labels).stream().mapToDouble(Sample::value).sum();
    }

    boolean has(String name, String... labels) {
      return !matching(name, labels).isEmpty();
    }

    List<String> labelValues(String name, String label) {
      return matching(name).stream().map(x -> x.labels.get(label)).distinct().toList();
    }
  }
}
