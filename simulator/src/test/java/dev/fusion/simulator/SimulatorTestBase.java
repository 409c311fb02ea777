package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** Starts one simulator on a random port per test class and talks to it over real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SimulatorTestBase {

  protected Vertx vertx;
  protected ModelSimulator sim;
  protected WebClient client;

  protected SimulatorConfig config() {
    return SimulatorConfig.defaults();
  }

  @BeforeAll
  void startSimulator() {
    vertx = Vertx.vertx();
    sim = new ModelSimulator(vertx, config());
    int port = await(sim.start(0));
    assertThat(port).isPositive().isEqualTo(sim.port());
    client = WebClient.create(vertx);
  }

  @AfterAll
  void stopSimulator() {
    client.close();
    sim.close();
    await(vertx.close());
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future failed: " + e, e);
    }
  }

  static JsonObject chatBody(String model, String prompt) {
    return chatBody(model, "You are helpful.", prompt);
  }

  /** A request with a system message and one user message. */
  static JsonObject chatBody(String model, String system, String prompt) {
    return new JsonObject()
        .put("model", model)
        .put(
            "messages",
            new JsonArray()
                .add(new JsonObject().put("role", "system").put("content", system))
                .add(new JsonObject().put("role", "user").put("content", prompt)));
  }

  static JsonObject streamBody(String model, String prompt) {
    return chatBody(model, prompt)
        .put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));
  }

  protected HttpResponse<Buffer> post(String path, JsonObject body) {
    return post(path, body, MultiMap.caseInsensitiveMultiMap());
  }

  protected HttpResponse<Buffer> post(String path, JsonObject body, MultiMap headers) {
    return await(
        client
            .post(sim.port(), "127.0.0.1", path)
            .putHeaders(headers)
            .sendJsonObject(body));
  }

  protected Future<HttpResponse<Buffer>> postAsync(String path, JsonObject body) {
    return client.post(sim.port(), "127.0.0.1", path).sendJsonObject(body);
  }

  protected HttpResponse<Buffer> chat(JsonObject body) {
    return post("/v1/chat/completions", body);
  }

  protected HttpResponse<Buffer> get(String path) {
    return await(client.get(sim.port(), "127.0.0.1", path).send());
  }

  /** The message content of a successful non-streaming answer. */
  protected String answer(String model, String prompt) {
    HttpResponse<Buffer> r = chat(chatBody(model, prompt));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject()
        .getJsonArray("choices")
        .getJsonObject(0)
        .getJsonObject("message")
        .getString("content");
  }

  /** A function tool with string parameters, the first of them required. */
  static JsonObject fn(String name, String... parameters) {
    JsonObject properties = new JsonObject();
    for (String p : parameters) {
      properties.put(p, new JsonObject().put("type", "string"));
    }
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties);
    if (parameters.length > 0) {
      schema.put("required", new JsonArray().add(parameters[0]));
    }
    return new JsonObject()
        .put("type", "function")
        .put("function", new JsonObject().put("name", name).put("parameters", schema));
  }

  /** The first choice of a 200 answer. */
  protected JsonObject choice(JsonObject body) {
    HttpResponse<Buffer> r = chat(body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getJsonArray("choices").getJsonObject(0);
  }

  /** The {@code error} object of an error answer. */
  static JsonObject errorOf(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonObject("error");
  }

  /** The {@code data:} payloads of an SSE body, in order. */
  static List<String> sseData(String body) {
    List<String> out = new ArrayList<>();
    for (String event : body.split("\n\n")) {
      if (event.isBlank()) {
        continue;
      }
      assertThat(event).startsWith("data: ");
      out.add(event.substring("data: ".length()));
    }
    return out;
  }

  /** Concatenated {@code delta.content} of parsed chunks (stops at [DONE]). */
  static String streamedContent(List<String> data) {
    StringBuilder sb = new StringBuilder();
    for (String d : data) {
      if (d.equals("[DONE]")) {
        break;
      }
      JsonArray choices = new JsonObject(d).getJsonArray("choices");
      if (choices.isEmpty()) {
        continue;
      }
      String c = choices.getJsonObject(0).getJsonObject("delta").getString("content");
      if (c != null) {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
