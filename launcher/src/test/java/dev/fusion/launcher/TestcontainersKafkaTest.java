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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same end-to-end flow against a Kafka broker in a container, where a Docker engine exists;
 * skipped cleanly where none does.
 */
@EnabledIf("dockerAvailable")
class TestcontainersKafkaTest {
  /**
   * Testcontainers is asked only where a Docker endpoint is configured at all: asked on a machine without
   * one, it logs an ERROR with every strategy it tried, in the output of a green build.
   */
  static boolean dockerAvailable() {
    return dockerEndpointConfigured() && DockerClientFactory.instance().isDockerAvailable();
  }

  /** DOCKER_HOST, a Testcontainers settings file, or a socket where Docker and its usual stand-ins put one. */
  private static boolean dockerEndpointConfigured() {
    String dockerHost = System.getenv("DOCKER_HOST");
    if (dockerHost != null && !dockerHost.isBlank()) {
      return true;
    }
    if (System.getProperty("os.name", "").startsWith("Windows")) {
      return true; // a named pipe, which only Testcontainers knows how to look for
    }
    Path home = Path.of(System.getProperty("user.home"));
    List<Path> candidates = new ArrayList<>(List.of(home.resolve(".testcontainers.properties"),
        Path.of("/var/run/docker.sock"), home.resolve(".docker/run/docker.sock"),
        home.resolve(".docker/desktop/docker.sock"), home.resolve(".colima/default/docker.sock"),
        home.resolve(".rd/docker.sock")));
    String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
    if (runtimeDir != null && !runtimeDir.isBlank()) {
      candidates.add(Path.of(runtimeDir, "docker.sock"));
      candidates.add(Path.of(runtimeDir, ".docker/run/docker.sock"));
    }
    return candidates.stream().anyMatch(Files::exists);
  }

  @Test
  void jobsCompleteAgainstAContainerizedBroker() throws Exception {
    try (KafkaContainer kafka = new KafkaContainer("apache/kafka:4.3.1")) {
      kafka.start();
      runJobsAgainst(kafka.getBootstrapServers());
    }
  }

  private static void runJobsAgainst(String bootstrap) throws Exception {
    Vertx vertx = Vertx.vertx();
    ModelSimulator simulator = new ModelSimulator(vertx, SimulatorConfig.defaults());
    simulator.start(0).await();
    FusionConfig config = FusionConfig.fromEnv(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
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
