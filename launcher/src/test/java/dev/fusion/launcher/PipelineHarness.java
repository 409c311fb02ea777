package dev.fusion.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.kafka.KafkaTestTopics;
import dev.fusion.simulator.ModelSimulator;
import dev.fusion.simulator.SimulatorConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Shared by the end-to-end tests: the JVM's real in-JVM Kafka broker ({@link SharedKafka}), one simulator
 * per test class, and a fresh pipeline (own topic prefix, own data dir) per test, talked to over real HTTP.
 */
final class PipelineHarness implements AutoCloseable {
  private static final AtomicInteger SEQ = new AtomicInteger();

  final EmbeddedKafka kafka;
  final Vertx vertx;
  final ModelSimulator simulator;
  final HttpClient http = HttpClient.newHttpClient();

  PipelineHarness() {
    kafka = SharedKafka.broker();
    vertx = Vertx.vertx();
    simulator = new ModelSimulator(vertx, SimulatorConfig.defaults());
    simulator.start(0).await();
  }

  /** A new pipeline on the shared broker; {@code overrides} are environment-style settings. */
  FusionStack newStack(Map<String, String> overrides) throws Exception {
    return new FusionStack(config(overrides), vertx, 0).start();
  }

  FusionConfig config(Map<String, String> overrides) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("FUSION_SIMULATOR_URL", simulator.baseUrl());
    // The simulator's local web, as dev mode sets it up: its SearXNG-style search and pages, allow-listed.
    env.put("FUSION_SEARXNG_URL", simulator.rootUrl());
    env.put("FUSION_WEB_FETCH_ALLOW", URI.create(simulator.rootUrl()).getAuthority());
    env.put("FUSION_TOPIC_PREFIX", "t" + SEQ.incrementAndGet() + ".");
    env.put("FUSION_TOPIC_PARTITIONS", "3");
    env.put("FUSION_DATA_DIR", tempDir().toString());
    env.put("FUSION_MODEL_BACKOFF_MS", "5");
    env.put("FUSION_MODEL_MAX_BACKOFF_MS", "50");
    env.put("FUSION_MODEL_TIMEOUT_MS", "10000");
    env.putAll(overrides);
    return FusionConfig.fromEnv(env);
  }

  HttpResponse<String> post(FusionStack stack, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(stack, path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(FusionStack stack, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(stack, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode getJson(FusionStack stack, String path) throws Exception {
    return Json.tree(get(stack, path).body());
  }

  /** Submits a job and returns its ID, asserting the 202 contract on the way. */
  String submit(FusionStack stack, String body) throws Exception {
    HttpResponse<String> response = post(stack, "/v1/jobs", body);
    if (response.statusCode() != 202) {
      throw new AssertionError("expected 202, got " + response.statusCode() + ": " + response.body());
    }
    String id = Json.tree(response.body()).path("id").asText();
    String location = response.headers().firstValue("location").orElse("");
    if (!location.equals("/v1/jobs/" + id)) {
      throw new AssertionError("Location header was '" + location + "'");
    }
    return id;
  }

  static String jobBody(String prompt, String... models) {
    var body = Json.object();
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    var panel = body.putArray("analysis_models");
    for (String m : models) {
      panel.add(m);
    }
    return Json.toString(body);
  }

  /** Every record now on {@code topic} (up to its end offsets), only those keyed {@code key} unless null. */
  List<ConsumerRecord<byte[], byte[]>> records(String topic, String key) {
    return KafkaTestTopics.readAll(kafka.bootstrapServers(), topic).stream()
        .filter(r -> key == null || (r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8))))
        .toList();
  }

  private static URI uri(FusionStack stack, String path) {
    return URI.create("http://127.0.0.1:" + stack.httpPort() + path);
  }

  /** Every directory the tests made; deleted when the JVM's tests are done (stacks may outlive one harness). */
  private static final java.util.Set<Path> TEMP_DIRS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> TEMP_DIRS.forEach(TempDirs::deleteRecursively),
        "fusion-test-cleanup"));
  }

  static Path tempDir() throws IOException {
    Path dir = Files.createTempDirectory("fusion-test");
    TEMP_DIRS.add(dir);
    return dir;
  }

  @Override
  public void close() {
    simulator.close();
    vertx.close().await();
  }
}
