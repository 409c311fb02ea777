package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulator keeps what each chat call received, bounded, for tests to assert on. */
class RequestRecordTest extends SimulatorTestBase {

  private static final String PROMPT = "How do tides work?";

  @Test
  void recordsMethodPathHeadersModelAndBody() {
    sim.clearRequests();
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("X-Fusion-Depth", "1")
        .add("x-openrouter-fusion-depth", "1")
        .add("Authorization", "Bearer sk-secret")
        .add("x-api-key", "also-secret");
    JsonObject body = chatBody("sim/alpha;latency_ms=0", PROMPT).put("temperature", 0.3);
    assertThat(post("/v1/chat/completions", body, headers).statusCode()).isEqualTo(200);

    List<RecordedRequest> all = sim.requests();
    assertThat(all).hasSize(1);
    RecordedRequest r = all.get(0);
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.path()).isEqualTo("/v1/chat/completions");
    assertThat(r.header("x-fusion-depth")).isEqualTo("1");
    assertThat(r.header("X-OpenRouter-Fusion-Depth")).isEqualTo("1");
    assertThat(r.headers()).doesNotContainKeys("authorization", "x-api-key");
    assertThat(r.headers().values()).noneMatch(v -> v.contains("secret"));
    assertThat(r.model()).isEqualTo("sim/alpha;latency_ms=0");
    assertThat(r.modelName()).isEqualTo("sim/alpha");
    assertThat(r.body().path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(r.body().path("messages").get(1).path("content").asText()).isEqualTo(PROMPT);
    assertThat(new JsonObject(r.bodyText())).isEqualTo(body);

    sim.clearRequests();
    assertThat(sim.requests()).isEmpty();
  }

  @Test
  void refusedRequestsAreRecordedTooAndCanBeSelectedByModel() {
    sim.clearRequests();
    JsonObject noToolCallId = chatBody("sim/beta", PROMPT);
    noToolCallId.getJsonArray("messages").add(new JsonObject().put("role", "tool").put("content", "x"));
    assertThat(chat(noToolCallId).statusCode()).isEqualTo(400);
    chat(chatBody("sim/alpha", PROMPT));
    chat(chatBody("sim/beta;fault=http500", PROMPT));

    assertThat(sim.requests()).hasSize(3);
    List<RecordedRequest> beta = sim.requests("sim/beta");
    assertThat(beta).extracting(RecordedRequest::model).containsExactly("sim/beta", "sim/beta;fault=http500");
    assertThat(beta.get(0).body().path("messages").get(2).path("role").asText()).isEqualTo("tool");
    assertThat(beta.get(0).sequence()).isLessThan(beta.get(1).sequence());
  }

  @Test
  void theRecordKeepsOnlyTheLatestRequestsWithinItsBounds() {
    ModelSimulator small = new ModelSimulator(vertx, SimulatorConfig.defaults().withRequestRecord(3, 1_000_000));
    ModelSimulator tiny = new ModelSimulator(vertx, SimulatorConfig.defaults().withRequestRecord(100, 1_000));
    try {
      int smallPort = await(small.start(0));
      int tinyPort = await(tiny.start(0));
      for (int i = 0; i < 5; i++) {
        JsonObject body = chatBody("sim/alpha", PROMPT + " #" + i);
        await(client.post(smallPort, "127.0.0.1", "/v1/chat/completions").sendJsonObject(body));
        await(client.post(tinyPort, "127.0.0.1", "/v1/chat/completions").sendJsonObject(body));
      }
      assertThat(small.requests()).extracting(r -> r.body().path("messages").get(1).path("content").asText())
          .containsExactly(PROMPT + " #2", PROMPT + " #3", PROMPT + " #4");
      List<RecordedRequest> kept = tiny.requests();
      assertThat(kept.stream().mapToInt(RecordedRequest::bodyBytes).sum()).isLessThanOrEqualTo(1_000);
      assertThat(kept).isNotEmpty();
      assertThat(kept.get(kept.size() - 1).bodyText()).contains(PROMPT + " #4");

      ModelSimulator off = new ModelSimulator(vertx, SimulatorConfig.fromEnv(java.util.Map.of("SIM_RECORD_REQUESTS", "0")));
      try {
        int offPort = await(off.start(0));
        await(client.post(offPort, "127.0.0.1", "/v1/chat/completions").sendJsonObject(chatBody("sim/a", PROMPT)));
        assertThat(off.requests()).isEmpty();
      } finally {
        off.close();
      }
    } finally {
      small.close();
      tiny.close();
    }
  }

  @Test
  void theRecordIsAlsoServedOverHttp() {
    sim.clearRequests();
    chat(chatBody("sim/alpha", PROMPT));
    chat(chatBody("sim/gamma", PROMPT));
    JsonObject out = get("/sim/requests?limit=1").bodyAsJsonObject();
    assertThat(out.getJsonArray("requests")).hasSize(1);
    JsonObject last = out.getJsonArray("requests").getJsonObject(0);
    assertThat(last.getString("model")).isEqualTo("sim/gamma");
    assertThat(last.getString("path")).isEqualTo("/v1/chat/completions");
    assertThat(last.getJsonObject("body").getString("model")).isEqualTo("sim/gamma");
    assertThat(post("/sim/requests/reset", new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(sim.requests()).isEmpty();
  }
}
