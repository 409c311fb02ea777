package dev.fusion.management;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The management endpoint over real HTTP: liveness, readiness from its checks, the Prometheus scrape. */
class ManagementServerTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, Boolean> checks = new ConcurrentHashMap<>();
  private Vertx vertx;
  private ProcessMetrics metrics;
  private ManagementServer server;
  private int port;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    metrics = new ProcessMetrics();
    server = new ManagementServer(vertx, metrics, () -> new LinkedHashMap<>(checks));
    port = server.start(0).await();
  }

  @AfterEach
  void stop() {
    server.close();
    metrics.close();
    vertx.close().await();
  }

  @Test
  void liveWhileRunningReadyOnlyWhenEveryCheckHoldsAndNotOnceShuttingDown() throws Exception {
    checks.put("panel-worker", false);
    checks.put("model-gateway", true);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> notReady = get("/health/ready");
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).contains("\"panel-worker\":false").contains("\"model-gateway\":true");

    checks.put("panel-worker", true);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);

    server.shuttingDown();
    HttpResponse<String> stopping = get("/health/ready");
    assertThat(stopping.statusCode()).isEqualTo(503);
    assertThat(stopping.body()).contains("\"shutting_down\":false");
    assertThat(get("/health/live").statusCode()).as("still live while it stops").isEqualTo(200);
  }

  @Test
  void noChecksOrAFailingCheckIsNotReady() throws Exception {
    assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    ManagementServer throwing = new ManagementServer(vertx, metrics, () -> {
      throw new IllegalStateException("boom");
    });
    int other = throwing.start(0).await();
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + other + "/health/ready"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(503);
    } finally {
      throwing.close();
    }
  }

  @Test
  void metricsAreThePrometheusTextOfTheRegistryWithJvmMeters() throws Exception {
    Counter.builder("fusion.test.things").tag("kind", "a").register(metrics.registry()).increment(3);
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    assertThat(r.body()).contains("fusion_test_things_total{kind=\"a\"} 3.0")
        .contains("jvm_memory_used_bytes").contains("jvm_threads_live_threads").contains("process_uptime_seconds");
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void settingsComeFromTheEnvironmentWithDefaultsAndClearErrors() {
    ManagementSettings defaults = ManagementSettings.fromEnv(Map.of());
    assertThat(defaults.port()).isEqualTo(ManagementSettings.DEFAULT_PORT);
    assertThat(defaults.shutdownTimeout().toMillis()).isEqualTo(30_000);
    assertThat(defaults.drainTimeout().toMillis()).isEqualTo(15_000);
    ManagementSettings set = ManagementSettings.fromEnv(Map.of("FUSION_MANAGEMENT_PORT", "0",
        "FUSION_SHUTDOWN_TIMEOUT_MS", "8000"));
    assertThat(set.port()).isZero();
    assertThat(set.drainTimeout().toMillis()).isEqualTo(4_000);
    assertThatThrownBy(() -> ManagementSettings.fromEnv(Map.of("FUSION_MANAGEMENT_PORT", "http")))
        .hasMessageContaining("FUSION_MANAGEMENT_PORT must be an integer");
    assertThatThrownBy(() -> ManagementSettings.fromEnv(Map.of("FUSION_SHUTDOWN_TIMEOUT_MS", "0")))
        .hasMessageContaining("FUSION_SHUTDOWN_TIMEOUT_MS must be positive");
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
