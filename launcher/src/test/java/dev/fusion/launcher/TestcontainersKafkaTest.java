package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.simulator.ModelSimulator;
import dev.fusion.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same end-to-end flow against a Kafka broker in a container, where a Docker engine exists;
 * skipped cleanly where none does.
 */
@Testcontainers(disabledWithoutDocker = true)
class TestcontainersKafkaTest {
  @Container
  static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.3.1");

  @Test
  void jobsCompleteAgainstAContainerizedBroker() throws Exception {
    Vertx vertx = Vertx.vertx();
    ModelSimulator simulator = new ModelSimulator(vertx, SimulatorConfig.defaults());
    simulator.start(0).await();
    FusionConfig config = FusionConfig.fromEnv(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", KAFKA.getBootstrapServers(),
        "FUSION_SIMULATOR_URL", simulator.baseUrl(),
        "FUSION_TOPIC_PARTITIONS", "3",
        "FUSION_DATA_DIR", Files.createTempDirectory("fusion-tc").toString()));
    HttpClient http = HttpClient.newHttpClient();
    try (FusionStack stack = new FusionStack(config, vertx, 0).start()) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + "/v1/jobs"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(PipelineHarness.jobBody("Container question " + i,
                "sim/alpha", "sim/beta", "sim/gamma"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(202);
        ids.add(dev.fusion.common.Json.tree(response.body()).path("id").asText());
      }
      for (String id : ids) {
        JsonNode job = await().atMost(Duration.ofSeconds(60)).until(() -> dev.fusion.common.Json.tree(http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort() + "/v1/jobs/" + id)).build(),
            HttpResponse.BodyHandlers.ofString()).body()), j -> j.path("status").asText().equals("completed"));
        assertThat(job.path("result").path("answer").asText()).isNotBlank();
      }
    } finally {
      simulator.close();
      vertx.close().await();
    }
  }
}
