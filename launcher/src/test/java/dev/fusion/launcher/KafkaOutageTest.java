package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.ingress.IngressOptions;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, bug E: while the broker is down ingress keeps serving health and reads, refuses submissions
 * with a 503 in the OpenAI error shape, and a refused submission never runs later. The broker here is
 * the test's own, stopped and restarted on the same data directory and port.
 */
class KafkaOutageTest extends PipelineTestBase {
  @Test
  void duringAnOutageHealthSaysSoReadsAreServedSubmissionsGet503AndNoneOfThemRunsLater() throws Exception {
    Path dir = PipelineHarness.tempDir();
    EmbeddedKafka broker = new EmbeddedKafka(dir, 0).start();
    String bootstrap = broker.bootstrapServers();
    int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    FusionStack stack = new FusionStack(harness.config(Map.of("KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "FUSION_KAFKA_SEND_TIMEOUT_MS", "3000")), harness.vertx, 0, IngressOptions.defaults()).start();
    try {
      JobsTestClient client = new JobsTestClient(stack.httpPort(), null);
      assertThat(client.get("/health").statusCode()).isEqualTo(200);
      String finished = client.submit(PipelineHarness.jobBody("before the outage", "sim/alpha"));
      client.awaitTerminal(finished);

      // When the broker stops
      broker.close();
      // Then a submission right away is refused (whether ingress noticed the outage yet or not)
      HttpResponse<String> first = client.post("/v1/jobs", PipelineHarness.jobBody("outage prompt 1", "sim/alpha"),
          "Idempotency-Key", "outage-1");
      assertUnavailable(first);
      // and health reports the outage with its reason
      HttpResponse<String> unhealthy = await().atMost(Duration.ofSeconds(60)).until(() -> client.get("/health"),
          r -> r.statusCode() == 503 && r.body().contains("unreachable"));
      JsonNode health = Json.tree(unhealthy.body());
      assertThat(health.path("status").asText()).isEqualTo("unavailable");
      assertThat(health.path("kafka").path("status").asText()).isEqualTo("unreachable");
      assertThat(health.path("kafka").path("reason").asText()).isNotBlank();
      // while a job already in the view is still served (the client's timeout is the only bound)
      HttpResponse<String> read = client.get("/v1/jobs/" + finished);
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(Json.tree(read.body()).path("status").asText()).isEqualTo("completed");
      assertThat(client.get("/v1/jobs").statusCode()).isEqualTo(200);
      // and submissions get a 503 in the OpenAI error shape
      assertUnavailable(client.post("/v1/jobs", PipelineHarness.jobBody("outage prompt 2", "sim/alpha")));

      // When the broker returns
      broker = new EmbeddedKafka(dir, port).start();
      await().atMost(Duration.ofSeconds(90)).until(() -> client.get("/health").statusCode() == 200);
      // Then submissions succeed again: the refused one retried with its key is a new job, and runs
      HttpResponse<String> retried = client.post("/v1/jobs", PipelineHarness.jobBody("outage prompt 1", "sim/alpha"),
          "Idempotency-Key", "outage-1");
      assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
      String retriedId = Json.tree(retried.body()).path("id").asText();
      assertThat(client.awaitTerminal(retriedId).path("status").asText()).isEqualTo("completed");
      // and the refused submissions never reached the jobs topic: only the retry is there
      List<String> jobs = values(bootstrap, stack.context().topics().jobs().name());
      assertThat(jobs.stream().filter(v -> v.contains("outage prompt 1"))).hasSize(1);
      assertThat(jobs.stream().filter(v -> v.contains("outage prompt 2"))).isEmpty();
    } finally {
      stack.close();
      broker.close();
      TempDirs.deleteRecursively(dir);
    }
  }

  private static void assertUnavailable(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    JsonNode error = Json.tree(response.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("kafka_unavailable");
    assertThat(error.path("type").asText()).isEqualTo("service_unavailable");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.has("param")).isTrue();
  }

  /** Every value now on {@code topic}, as text. */
  private static List<String> values(String bootstrap, String topic) {
    return KafkaTopicsFixture.readAll(bootstrap, topic).stream()
        .map(r -> r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8)).toList();
  }
}
