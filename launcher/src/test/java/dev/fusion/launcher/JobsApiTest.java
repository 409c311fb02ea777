package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.ingress.Ingress;
import dev.fusion.judge.JudgeWorker;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The jobs API: several instances, listing, idempotency, cancellation, limits and retention. */
class JobsApiTest extends PipelineTestBase {

  @Test
  void aJobSubmittedThroughOneInstanceIsPolledListedAndReplayedThroughAnother() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      Ingress second = stack.addIngress();
      JobsTestClient a = new JobsTestClient(stack.httpPort(), null);
      JobsTestClient b = new JobsTestClient(second.port(), null);
      // Given a job submitted through A with an idempotency key
      String body = PipelineHarness.jobBody("What is a good first programming language?", "sim/alpha", "sim/beta");
      HttpResponse<String> first = a.post("/v1/jobs", body, "Idempotency-Key", "order-42");
      assertThat(first.statusCode()).isEqualTo(202);
      String id = Json.tree(first.body()).path("id").asText();
      // Then B answers polls for it through to completion, and lists it
      JsonNode done = b.awaitTerminal(id);
      assertThat(done.path("status").asText()).isEqualTo("completed");
      assertThat(done.path("result").path("answer").asText()).isNotBlank();
      assertThat(b.getJson("/v1/jobs").path("data")).extracting(j -> j.path("id").asText()).contains(id);
      // and B knows A's idempotency key: the same request through B is the same job, another is a 409
      HttpResponse<String> again = b.post("/v1/jobs", body, "Idempotency-Key", "order-42");
      assertThat(again.statusCode()).isEqualTo(202);
      assertThat(Json.tree(again.body()).path("id").asText()).isEqualTo(id);
      assertThat(b.post("/v1/jobs", PipelineHarness.jobBody("Other", "sim/alpha"), "Idempotency-Key", "order-42")
          .statusCode()).isEqualTo(409);
      // and a finished job cannot be cancelled
      HttpResponse<String> cancel = b.delete("/v1/jobs/" + id);
      assertThat(cancel.statusCode()).isEqualTo(409);
      assertThat(Json.tree(cancel.body()).path("error").path("code").asText()).isEqualTo("job_already_finished");
    }
  }

  @Test
  void theSameIdempotencyKeyAndBodyReturnTheSameJobAndADifferentBodyIsA409() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tea or coffee?\"}],\"analysis_models\":[\"sim/alpha\"]}";
      String sameReordered = "{ \"analysis_models\": [\"sim/alpha\"],\n \"messages\": [{\"content\": \"Tea or coffee?\", \"role\": \"user\"}] }";
      HttpResponse<String> first = client.post("/v1/jobs", body, "Idempotency-Key", "k-1");
      String id = Json.tree(first.body()).path("id").asText();
      HttpResponse<String> replay = client.post("/v1/jobs", sameReordered, "Idempotency-Key", "k-1");
      assertThat(replay.statusCode()).isEqualTo(202);
      assertThat(Json.tree(replay.body()).path("id").asText()).isEqualTo(id);
      assertThat(replay.headers().firstValue("idempotent-replayed")).contains("true");
      assertThat(replay.headers().firstValue("location")).contains("/v1/jobs/" + id);

      HttpResponse<String> conflict = client.post("/v1/jobs", body.replace("Tea", "Milk"), "Idempotency-Key", "k-1");
      assertThat(conflict.statusCode()).isEqualTo(409);
      JsonNode error = Json.tree(conflict.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("idempotency_key_reused");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");

      // Concurrent requests with one new key all get one job
      List<CompletableFuture<HttpResponse<String>>> parallel = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        parallel.add(JobsTestClient.HTTP.sendAsync(client.request("/v1/jobs").header("Idempotency-Key", "k-2")
            .header("content-type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .build(), HttpResponse.BodyHandlers.ofString()));
      }
      Set<String> ids = new HashSet<>();
      for (var f : parallel) {
        assertThat(f.get().statusCode()).isEqualTo(202);
        ids.add(Json.tree(f.get().body()).path("id").asText());
      }
      assertThat(ids).hasSize(1).doesNotContain(id);
      // Without a key, the same body is a new job each time
      assertThat(client.submit(body)).isNotEqualTo(client.submit(body));
    }
  }

  @Test
  void theListShowsTheCallersJobsNewestFirstPageByPageAndFiltersByStatus() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      List<String> submitted = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        submitted.add(client.submit(PipelineHarness.jobBody("List question " + i, "sim/alpha")));
      }
      submitted.forEach(client::awaitTerminal);
      List<String> paged = new ArrayList<>();
      String after = null;
      boolean more = true;
      while (more) {
        JsonNode page = client.getJson("/v1/jobs?limit=2" + (after == null ? "" : "&after=" + after));
        assertThat(page.path("object").asText()).isEqualTo("list");
        assertThat(page.path("data").size()).isLessThanOrEqualTo(2);
        page.path("data").forEach(j -> paged.add(j.path("id").asText()));
        more = page.path("has_more").asBoolean();
        after = page.path("last_id").asText();
      }
      // acceptedAt has millisecond resolution: compare as sets, and check the newest-first order by time
      assertThat(paged).containsExactlyInAnyOrderElementsOf(submitted);
      JsonNode all = client.getJson("/v1/jobs?limit=100");
      List<Long> created = new ArrayList<>();
      all.path("data").forEach(j -> created.add(j.path("created_at").asLong()));
      assertThat(created).isSortedAccordingTo((x, y) -> Long.compare(y, x));
      assertThat(client.getJson("/v1/jobs?status=completed").path("data")).hasSize(5);
      assertThat(client.getJson("/v1/jobs?status=running").path("data")).isEmpty();
      assertThat(client.get("/v1/jobs?status=bogus").statusCode()).isEqualTo(400);
      assertThat(client.get("/v1/jobs?limit=0").statusCode()).isEqualTo(400);
    }
  }

  @Test
  void cancellingAJobStopsFurtherModelCallsAndTheResultSaysCancelled() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of()).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      // Given a job whose panel is still thinking, with a judge and synthesizer only it uses
      var body = Json.tree(PipelineHarness.jobBody("Should I cancel this?", "sim/cancel-a;latency_ms=2500",
          "sim/cancel-b;latency_ms=2500"));
      ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("model", "sim/judge-cancel")
          .put("synthesizer", "sim/writer-cancel");
      String id = client.submit(Json.toString(body));
      await().atMost(Duration.ofSeconds(30)).until(() -> harness.simulator.callCounts().getOrDefault("sim/cancel-a", 0L) == 1
          && harness.simulator.callCounts().getOrDefault("sim/cancel-b", 0L) == 1);
      // When it is cancelled
      HttpResponse<String> cancel = client.delete("/v1/jobs/" + id);
      assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
      assertThat(Json.tree(cancel.body()).path("status").asText()).isEqualTo("cancelled");
      assertThat(Json.tree(cancel.body()).path("result").path("status").asText()).isEqualTo("cancelled");
      // Then the panel answers still arrive, and the judge caller passes the panel without calling anyone
      ConsumerRecord<byte[], byte[]> panel = awaitRecord(stack.context().topics().panels().name(), id);
      awaitCommittedPast(stack.config().topicPrefix() + JudgeWorker.CALLER_GROUP, panel);
      Map<String, Long> calls = harness.simulator.callCounts();
      assertThat(calls).doesNotContainKeys("sim/judge-cancel", "sim/writer-cancel");
      assertThat(calls.get("sim/cancel-a")).isEqualTo(1L);
      // and the job stays cancelled, its stream ends with the cancellation, and cancelling again is harmless
      assertThat(client.getJson("/v1/jobs/" + id).path("status").asText()).isEqualTo("cancelled");
      try (var events = client.events(id, null)) {
        List<JobsTestClient.Sse> all = events.untilEnd();
        assertThat(all.get(all.size() - 1).event()).isEqualTo(EventTypes.CANCELLED);
      }
      assertThat(client.delete("/v1/jobs/" + id).statusCode()).isEqualTo(200);
      assertThat(client.getJson("/v1/jobs?status=cancelled").path("data")).extracting(j -> j.path("id").asText())
          .containsExactly(id);
    }
  }

  @Test
  void aJobCancelledBeforeItsPanelStartedMakesNoModelCallsAtAll() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of("FUSION_PANEL_DEADLINE_MS", "300")).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      // Given a job accepted while no panel worker runs
      stack.stopPanelWorker();
      var body = (com.fasterxml.jackson.databind.node.ObjectNode) Json.tree(PipelineHarness.jobBody("Never asked",
          "sim/early-a", "sim/early-b"));
      body.put("model", "sim/judge-early").put("synthesizer", "sim/writer-early");
      String id = client.submit(Json.toString(body));
      // When it is cancelled, and only then a panel worker starts
      assertThat(client.delete("/v1/jobs/" + id).statusCode()).isEqualTo(200);
      stack.startPanelWorker();
      // Then the panel worker passes the job, the aggregation times the empty panel out, the judge caller
      // passes that too, and no model was ever called for it
      awaitCommittedPast(stack.config().topicPrefix() + dev.fusion.panel.PanelWorker.GROUP,
          awaitRecord(stack.context().topics().jobs().name(), id));
      awaitCommittedPast(stack.config().topicPrefix() + JudgeWorker.CALLER_GROUP,
          awaitRecord(stack.context().topics().panels().name(), id));
      assertThat(harness.simulator.callCounts()).doesNotContainKeys("sim/early-a", "sim/early-b", "sim/judge-early",
          "sim/writer-early");
      assertThat(client.getJson("/v1/jobs/" + id).path("status").asText()).isEqualTo("cancelled");
    }
  }

  @Test
  void requestLimitsAndTheRateLimitAnswerInTheOpenAiErrorShape() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of("FUSION_MAX_BODY_BYTES", "4096",
        "FUSION_MAX_MESSAGES", "3", "FUSION_MAX_PROMPT_CHARS", "200", "FUSION_MAX_PANEL", "2",
        "FUSION_RATE_LIMIT_RPS", "0.1", "FUSION_RATE_LIMIT_BURST", "4")).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      var fourMessages = Json.object();
      var messages = fourMessages.putArray("messages");
      for (int i = 0; i < 4; i++) {
        messages.addObject().put("role", "user").put("content", "m" + i);
      }
      assertError(client.post("/v1/jobs", Json.toString(fourMessages)), 400, "too_many_messages");
      assertError(client.post("/v1/jobs", PipelineHarness.jobBody("x".repeat(201), "sim/alpha")), 400,
          "prompt_too_long");
      assertError(client.post("/v1/jobs", PipelineHarness.jobBody("hi", "sim/a", "sim/b", "sim/c")), 400,
          "invalid_value");
      assertError(client.post("/v1/jobs", PipelineHarness.jobBody("y".repeat(5000), "sim/alpha")), 413,
          "request_too_large");
      // Four requests used the burst; the fifth waits for a token
      HttpResponse<String> limited = client.get("/v1/jobs");
      assertError(limited, 429, "rate_limit_exceeded");
      assertThat(Long.parseLong(limited.headers().firstValue("retry-after").orElseThrow())).isPositive();
      assertThat(client.get("/health").statusCode()).isNotEqualTo(429); // Health is never limited.
    }
  }

  @Test
  void finishedJobsAreRemovedAfterTheRetentionTimeWithATombstoneOnTheResultsTopic() throws Exception {
    try (FusionStack stack = JobsTestClient.stack(harness, Map.of("FUSION_RESULT_RETENTION_MS", "1500")).start()) {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      String id = client.submit(PipelineHarness.jobBody("Short-lived question", "sim/alpha"));
      assertThat(client.awaitTerminal(id).path("status").asText()).isEqualTo("completed");
      await().atMost(Duration.ofSeconds(30)).until(() -> client.get("/v1/jobs/" + id).statusCode() == 404);
      assertThat(client.get("/v1/jobs/" + id + "/events").statusCode()).isEqualTo(404);
      assertThat(client.getJson("/v1/jobs").path("data")).isEmpty();
      // The compacted results topic got a tombstone for it, so compaction drops the result too
      String topic = stack.context().topics().results().name();
      List<ConsumerRecord<byte[], byte[]>> ofJob = await().atMost(Duration.ofSeconds(30)).until(
          () -> harness.records(topic, id), records -> records.stream().anyMatch(r -> r.value() == null));
      assertThat(ofJob.get(0).value()).isNotNull();
      assertThat(ofJob.get(ofJob.size() - 1).value()).isNull();
    }
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode error = Json.tree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.has("type")).isTrue();
    assertThat(error.has("param")).isTrue();
  }

  /** The first record for {@code key} on {@code topic}. */
  static ConsumerRecord<byte[], byte[]> awaitRecord(String topic, String key) {
    return await().atMost(Duration.ofSeconds(30)).until(() -> harness.records(topic, key), found -> !found.isEmpty())
        .get(0);
  }

  /** Waits until {@code group} committed past {@code record}: its handler has finished with it. */
  static void awaitCommittedPast(String group, ConsumerRecord<?, ?> record) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, harness.kafka.bootstrapServers());
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    try (Admin admin = Admin.create(props)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        Map<TopicPartition, OffsetAndMetadata> offsets =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        OffsetAndMetadata committed = offsets.get(tp);
        return committed != null && committed.offset() > record.offset();
      });
    }
  }
}
