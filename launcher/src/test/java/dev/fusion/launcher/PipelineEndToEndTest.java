package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.kafka.KafkaConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A fusion job flows end to end over real HTTP, a real Kafka broker and the simulator. */
class PipelineEndToEndTest extends PipelineTestBase {
  private static final String[] PANEL = {"sim/alpha", "sim/beta", "sim/gamma"};

  @Test
  void fiftyJobsWithAThreeModelPanelAllComplete() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      // Given a running pipeline, when 50 jobs are submitted
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        ids.add(harness.submit(stack, PipelineHarness.jobBody("Question " + i + ": what limits battery life?", PANEL)));
      }
      // Then every one completes with an answer and an analysis that names the panel models
      for (String id : ids) {
        JsonNode job = awaitTerminal(stack, id);
        assertThat(job.path("status").asText()).as(id).isEqualTo("completed");
        JsonNode result = job.path("result");
        assertThat(result.path("answer").asText()).isNotBlank();
        assertThat(result.path("router").asText()).isEqualTo("fusion");
        assertThat(result.path("model").asText()).isEqualTo("sim/writer");
        assertThat(result.path("responses")).hasSize(3);
        assertThat(result.path("failed_models")).isEmpty();
        assertSchemaValidAnalysisNaming(result.path("analysis"), Set.of(PANEL));
        assertThat(result.path("usage").path("total").path("completion_tokens").asLong()).isPositive();
        assertThat(result.path("timings_ms").path("total").isNumber()).isTrue();
      }
    }
  }

  @Test
  void aFailingPanelModelIsReportedAndTheJobCompletesOnTheQuorum() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      // Given a panel whose third model always answers 500
      String id = harness.submit(stack, PipelineHarness.jobBody("Is coffee good for you?",
          "sim/alpha", "sim/beta", "sim/gamma;fault=http500"));
      // Then the job completes on the other two and lists the failure with its typed reason
      JsonNode job = awaitTerminal(stack, id);
      assertThat(job.path("status").asText()).isEqualTo("completed");
      JsonNode failed = job.path("result").path("failed_models");
      assertThat(failed).hasSize(1);
      assertThat(failed.get(0).path("model").asText()).isEqualTo("sim/gamma;fault=http500");
      assertThat(failed.get(0).path("reason").asText()).isEqualTo("upstream_error");
      assertThat(failed.get(0).path("status").asInt()).isEqualTo(500);
      assertThat(job.path("result").path("responses")).hasSize(2);
    }
  }

  @Test
  void whenEveryPanelModelFailsTheJobFailsWithAllPanelsFailed() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      String id = harness.submit(stack, PipelineHarness.jobBody("Anything?",
          "sim/alpha;fault=http401", "sim/beta;fault=http401"));
      JsonNode job = awaitTerminal(stack, id);
      assertThat(job.path("status").asText()).isEqualTo("failed");
      assertThat(job.path("result").path("failure_reason").asText()).isEqualTo("all_panels_failed");
      assertThat(job.path("result").path("failed_models")).hasSize(2);
      assertThat(job.path("result").path("failed_models").get(0).path("reason").asText()).isEqualTo("auth_failed");
    }
  }

  @Test
  void aJudgeThatNeverAnswersIsReportedAsATimeoutAndTheJobIsStillAnswered() throws Exception {
    // The judge hangs (the simulator holds the call open far beyond the gateway's per-attempt limit).
    try (FusionStack stack = harness.newStack(Map.of("FUSION_MODEL_TIMEOUT_MS", "2000"))) {
      var request = (com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(
          PipelineHarness.jobBody("Is tea better than coffee?", "sim/alpha", "sim/beta"));
      String id = harness.submit(stack, Json.toString(request.put("model", "sim/judge;fault=hang")));
      JsonNode job = awaitTerminal(stack, id);
      // The synthesizer still answers from the raw panel answers, and says why there is no analysis.
      assertThat(job.path("status").asText()).isEqualTo("completed");
      assertThat(job.path("result").path("failure_reason").asText()).isEqualTo("timeout");
      assertThat(job.path("result").path("answer").asText()).isNotBlank();
      assertThat(job.path("result").path("analysis").isMissingNode() || job.path("result").path("analysis").isNull())
          .isTrue();
    }
  }

  @Test
  void restartingThePanelAndJudgeWorkersMidRunLosesNothingAndDuplicatesNothing() throws Exception {
    // A small in-flight cap keeps most jobs waiting in Kafka while the workers are down.
    try (FusionStack stack = harness.newStack(Map.of("FUSION_PANEL_MAX_IN_FLIGHT", "2"))) {
      // Given 30 jobs whose panel models take a moment to answer
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        ids.add(harness.submit(stack, PipelineHarness.jobBody("Restart question " + i,
            "sim/alpha;latency_ms=150", "sim/beta;latency_ms=100", "sim/gamma")));
      }
      // When the panel worker crashes (in-flight jobs abandoned uncommitted) and the judge worker is
      // stopped, while jobs are still in flight, and both are started again
      await().atMost(Duration.ofSeconds(30)).until(() -> countStatus(stack, ids, "completed") >= 1);
      stack.crashPanelWorker();
      stack.stopJudgeWorker();
      long doneWhileStopped = countStatus(stack, ids, "completed");
      stack.startPanelWorker();
      stack.startJudgeWorker();
      // Then every job completes, and the results topic holds exactly one result per job
      for (String id : ids) {
        assertThat(awaitTerminal(stack, id).path("status").asText()).isEqualTo("completed");
      }
      assertThat(doneWhileStopped).isLessThan(ids.size());
      Map<String, Integer> perJob = resultsPerJob(stack, ids.size());
      assertThat(perJob.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      assertThat(perJob.values()).allMatch(n -> n == 1);
    }
  }

  @Test
  void aPanelDeadlineSetBeforeAJudgeWorkerRestartStillFiresAfterIt() throws Exception {
    // The model call's own timeout is far beyond the test's wait: only the panel deadline can finish it.
    try (FusionStack stack = harness.newStack(Map.of("FUSION_PANEL_DEADLINE_MS", "3000", "FUSION_PANEL_QUORUM", "2",
        "FUSION_MODEL_TIMEOUT_MS", "600000"))) {
      // Given a job whose third panel model never answers
      String id = harness.submit(stack, PipelineHarness.jobBody("Deadline question",
          "sim/alpha", "sim/beta", "sim/gamma;fault=hang;hang_ms=600000"));
      // and an aggregation that has stored (changelog written, so committed) the job and two answers
      awaitAggregatedAnswers(stack, id, 2);
      // When the judge worker restarts before the panel deadline
      stack.stopJudgeWorker();
      stack.startJudgeWorker();
      // Then the deadline, known to the new instance only through the restored state, completes the
      // panel on its quorum and the silent model is reported as timed out
      JsonNode job = awaitTerminal(stack, id);
      assertThat(job.path("status").asText()).isEqualTo("completed");
      assertThat(job.path("result").path("responses")).hasSize(2);
      JsonNode failed = job.path("result").path("failed_models");
      assertThat(failed).hasSize(1);
      assertThat(failed.get(0).path("model").asText()).isEqualTo("sim/gamma;fault=hang;hang_ms=600000");
      assertThat(failed.get(0).path("reason").asText()).isEqualTo("timeout");
      stack.crashPanelWorker(); // The hanging call would hold a graceful stop for its whole drain time.
    }
  }

  /** Waits until the aggregation's changelog holds the job with at least {@code answers} answers. */
  private static void awaitAggregatedAnswers(FusionStack stack, String jobId, int answers) {
    String changelog = stack.config().topicPrefix() + "fusion-judge-worker-panel-state-changelog";
    try (var consumer = new KafkaConsumer<byte[], byte[]>(
        KafkaConfigs.consumer(harness.kafka.bootstrapServers(), null, "changelog-watch"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> !consumer.partitionsFor(changelog).isEmpty());
      List<TopicPartition> parts = consumer.partitionsFor(changelog).stream()
          .map(p -> new TopicPartition(changelog, p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (var r : consumer.poll(Duration.ofMillis(100))) {
          if (r.key() != null && r.value() != null && jobId.equals(new String(r.key()))) {
            JsonNode state = Json.tree(new String(r.value()));
            if (state.path("job").isObject() && state.path("answers").size() >= answers) {
              return true;
            }
          }
        }
        return false;
      });
    }
  }

  @Test
  void badInputGetsA400InTheOpenAiErrorShape() throws Exception {
    try (FusionStack stack = harness.newStack(Map.of())) {
      assertError(harness.post(stack, "/v1/jobs", "{\"messages\": ["), "invalid_json", null);
      assertError(harness.post(stack, "/v1/jobs", "{}"), "missing_required_parameter", "messages");
      assertError(harness.post(stack, "/v1/jobs", "{\"messages\": []}"), "invalid_value", "messages");
      String nine = PipelineHarness.jobBody("hi", "sim/a", "sim/b", "sim/c", "sim/d", "sim/e", "sim/f", "sim/g",
          "sim/h", "sim/i");
      assertError(harness.post(stack, "/v1/jobs", nine), "invalid_value", "analysis_models");
      assertError(harness.post(stack, "/v1/jobs",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"analysis_models\":\"sim/a\"}"),
          "invalid_type", "analysis_models");
      assertError(harness.post(stack, "/v1/jobs",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}"),
          "invalid_value", "temperature");
      assertError(harness.post(stack, "/v1/jobs",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"colour\":5}"), "unknown_parameter", "colour");
      assertThat(harness.get(stack, "/v1/jobs/job_nope").statusCode()).isEqualTo(404);
    }
  }

  private static void assertError(java.net.http.HttpResponse<String> response, String code, String param) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = Json.tree(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotBlank();
    if (param != null) {
      assertThat(error.path("param").asText()).isEqualTo(param);
    }
  }

  static void assertSchemaValidAnalysisNaming(JsonNode analysis, Set<String> panel) {
    for (String key : List.of("consensus", "contradictions", "partial_coverage", "unique_insights", "blind_spots")) {
      assertThat(analysis.path(key).isArray()).as(key).isTrue();
    }
    Set<String> named = new HashSet<>();
    analysis.path("contradictions").forEach(c -> c.path("stances").forEach(s -> named.add(s.path("model").asText())));
    analysis.path("partial_coverage").forEach(p -> p.path("models").forEach(m -> named.add(m.asText())));
    analysis.path("unique_insights").forEach(u -> named.add(u.path("model").asText()));
    assertThat(named).isNotEmpty();
    assertThat(panel).containsAll(named);
  }

  private static JsonNode awaitTerminal(FusionStack stack, String id) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
        .until(() -> harness.getJson(stack, "/v1/jobs/" + id),
            job -> job.path("status").asText().matches("completed|failed"));
  }

  private static long countStatus(FusionStack stack, List<String> ids, String status) throws Exception {
    long n = 0;
    for (String id : ids) {
      if (harness.getJson(stack, "/v1/jobs/" + id).path("status").asText().equals(status)) {
        n++;
      }
    }
    return n;
  }

  /** Reads the whole results topic and counts records per job. */
  private static Map<String, Integer> resultsPerJob(FusionStack stack, int expectedAtLeast) {
    var topic = stack.context().topics().results();
    Map<String, Integer> counts = new HashMap<>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(
        KafkaConfigs.consumer(harness.kafka.bootstrapServers(), null, "results-count"))) {
      List<TopicPartition> parts = consumer.partitionsFor(topic.name()).stream()
          .map(p -> new TopicPartition(topic.name(), p.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (var r : consumer.poll(Duration.ofMillis(100))) {
          FusionResult result = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
          counts.merge(result.jobId(), 1, Integer::sum);
        }
        return parts.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
      });
    }
    assertThat(counts.size()).isGreaterThanOrEqualTo(expectedAtLeast);
    return counts;
  }
}
