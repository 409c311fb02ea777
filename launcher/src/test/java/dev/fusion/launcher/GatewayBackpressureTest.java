package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.gateway.ModelGateway;
import dev.fusion.panel.PanelWorker;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A saturated provider concurrency cap pauses consumption: the panel worker stops taking jobs from
 * Kafka while calls wait for the cap, so the backlog stays in Kafka instead of in memory. The provider
 * is a small real HTTP server that holds every request until the test lets them go.
 */
class GatewayBackpressureTest extends PipelineTestBase {
  private static HttpServer held;
  private static final ConcurrentLinkedQueue<HttpServerResponse> pending = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger open = new AtomicInteger();
  private static final AtomicInteger peakOpen = new AtomicInteger();
  private static volatile boolean releaseAll;

  private static final String ANSWER = """
      {"id":"x","object":"chat.completion","model":"held-model","choices":[{"index":0,
       "message":{"role":"assistant","content":"A held answer."},"finish_reason":"stop"}],
       "usage":{"prompt_tokens":5,"completion_tokens":4}}""";

  @BeforeAll
  static void startHeldProvider() {
    held = harness.vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      if (releaseAll) {
        answer(req.response());
      } else {
        pending.add(req.response());
      }
    })).listen(0, "127.0.0.1").await();
  }

  private static void answer(HttpServerResponse response) {
    open.decrementAndGet();
    response.putHeader("content-type", "application/json").end(ANSWER);
  }

  @AfterAll
  static void stopHeldProvider() {
    held.close().await();
  }

  @Test
  void aSaturatedConcurrencyCapPausesConsumptionAndKafkaHoldsTheBacklog() throws Exception {
    Path file = Files.createTempFile("fusion-gateway", ".yaml");
    Files.writeString(file, "providers:\n  held:\n    base_url: http://127.0.0.1:" + held.actualPort()
        + "/v1\n    prefixes: [held/]\n    max_concurrency: 2\n");
    try (FusionStack stack = harness.newStack(Map.of("FUSION_CONFIG", file.toString()))) {
      ModelGateway gateway = ModelGateway.of(stack.context());
      // Given one job whose three panel models share a provider capped at two calls in flight
      List<String> ids = new ArrayList<>();
      ids.add(harness.submit(stack, PipelineHarness.jobBody("First", "held/a", "held/b", "held/c")));
      await().atMost(Duration.ofSeconds(30)).until(() -> pending.size() == 2 && gateway.waiting() == 1);
      assertThat(gateway.saturated()).isTrue();

      // When twenty more jobs arrive while the cap is saturated
      for (int i = 0; i < 20; i++) {
        ids.add(harness.submit(stack, PipelineHarness.jobBody("Backlog " + i, "held/x" + i)));
      }
      // Then the panel worker takes none of them: two calls stay in flight, one waits, nothing grows
      await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5))
          .until(() -> pending.size() == 2 && gateway.waiting() == 1);
      // and the twenty jobs are still in Kafka, not consumed
      assertThat(unconsumedJobs(stack)).isGreaterThanOrEqualTo(20);

      // When the provider answers
      releaseAll = true;
      HttpServerResponse r;
      while ((r = pending.poll()) != null) {
        HttpServerResponse response = r;
        harness.vertx.runOnContext(v -> answer(response));
      }
      // Then every job completes, and the provider never saw more than two calls at once
      for (String id : ids) {
        JsonNode job = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> harness.getJson(stack, "/v1/jobs/" + id),
                j -> j.path("status").asText().matches("completed|failed"));
        assertThat(job.path("status").asText()).as(id).isEqualTo("completed");
      }
      assertThat(peakOpen.get()).isEqualTo(2);
      assertThat(gateway.providerStats().get("held").peakInFlight()).isEqualTo(2);
      // (offsets are committed shortly after the answers are acknowledged)
      await().atMost(Duration.ofSeconds(30)).until(() -> unconsumedJobs(stack) == 0);
    }
  }

  /** Jobs on the jobs topic past the panel worker group's committed offsets. */
  private static long unconsumedJobs(FusionStack stack) throws Exception {
    String topic = stack.context().topics().jobs().name();
    String group = stack.config().topicPrefix() + PanelWorker.GROUP;
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
        harness.kafka.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
      for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
        latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
      }
      long lag = 0;
      for (var e : admin.listOffsets(latest).all().get().entrySet()) {
        OffsetAndMetadata c = committed.get(e.getKey());
        lag += e.getValue().offset() - (c == null ? 0 : c.offset());
      }
      return lag;
    }
  }
}
