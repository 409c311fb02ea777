package dev.fusion.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.config.Provider;
import dev.fusion.common.config.RateLimit;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.simulator.ModelSimulator;
import dev.fusion.simulator.SimulatorConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** One real simulator per test class over real HTTP; a fresh gateway per test. */
abstract class SimulatorGatewayTestBase {
  static Vertx vertx;
  static ModelSimulator simulator;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  final List<ModelGateway> gateways = new ArrayList<>();

  @BeforeAll
  static void startSimulator() {
    vertx = Vertx.vertx();
    simulator = new ModelSimulator(vertx, SimulatorConfig.defaults());
    simulator.start(0).await();
  }

  @AfterAll
  static void stopSimulator() {
    simulator.close();
    vertx.close().await();
  }

  @BeforeEach
  void resetStats() throws Exception {
    HTTP.send(HttpRequest.newBuilder(statsUri("/sim/stats/reset")).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @AfterEach
  void closeGateways() {
    gateways.forEach(ModelGateway::close);
  }

  /** The simulator as provider {@code simulator} for {@code sim/}, with the given cap and rate limit. */
  static Provider simProvider(int maxConcurrency, RateLimit rate) {
    return new Provider("simulator", simulator.baseUrl(), null, null, List.of("sim/"), false, maxConcurrency, rate,
        false, Map.of());
  }

  /** Short backoffs, a generous Retry-After cap, three attempts. */
  static GatewayConfig config(Provider provider, Map<String, ModelSettings> models) {
    return new GatewayConfig(List.of(provider), models, Duration.ofSeconds(10), Duration.ofSeconds(10), 3,
        Duration.ofMillis(5), Duration.ofSeconds(5), 64, 10_000, 0);
  }

  ModelGateway gateway(GatewayConfig config) {
    ModelGateway g = new ModelGateway(vertx, config);
    gateways.add(g);
    return g;
  }

  static ChatRequest ask(String model) {
    return ChatRequest.of(model, List.of(ChatMessage.user("What limits the battery life of electric cars?")));
  }

  /** Calls the simulator received for a model name (without options), read from GET /sim/stats. */
  static long simCalls(String model) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(statsUri("/sim/stats")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    JsonNode stats = Json.tree(r.body());
    return stats.path("calls").path(model).asLong(0);
  }

  private static URI statsUri(String path) {
    return URI.create(simulator.baseUrl().replace("/v1", "") + path);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** The failure of a call that must fail. */
  static ModelCallException failure(Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ModelCallException m) {
        return m;
      }
      throw e;
    }
    throw new AssertionError("the call succeeded but was expected to fail");
  }
}
