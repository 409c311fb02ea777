package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.kafka.DeadLetterPublisher;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The request model over real HTTP and Kafka: the same settings are refused with the same error (code and
 * param) by the jobs API, chat completions, a batch line and a {@code fusion.requests} record — the
 * server's limits included, on the chat path too; every preset works on every path; the batch's query
 * string loses nothing. The full table of fields and ways in is {@code WaysInTest} (no network).
 */
class RequestModelEndToEndTest extends PipelineTestBase {
  private static FusionStack stack;
  private static JobsTestClient client;

  @BeforeAll
  static void start() throws Exception {
    stack = JobsTestClient.stack(harness, Map.of("FUSION_MAX_MESSAGES", "3", "FUSION_MAX_PROMPT_CHARS", "200",
        "FUSION_MAX_PANEL", "2")).start();
    client = new JobsTestClient(stack.httpPort(), null);
  }

  @AfterAll
  static void stop() {
    stack.close();
  }

  /** Settings (with the messages), the field they break and the code. */
  private record Row(String settings, String field, String code) {
    ObjectNode request() {
      ObjectNode r = (ObjectNode) Json.tree(settings);
      if (!r.has("messages")) {
        r.putArray("messages").addObject().put("role", "user").put("content", "hi");
      }
      return r;
    }

    /** The param as chat completions name it: settings live in the fusion plugin. */
    String chatParam() {
      return field.startsWith("messages") ? field : "plugins[fusion]." + field;
    }
  }

  private static final List<Row> ROWS = List.of(
      new Row("{\"analysis_models\":[\"sim/alpha\",\"sim/beta\",\"sim/gamma\"]}", "analysis_models",
          "invalid_value"),
      new Row("{\"analysis_models\":[\"sim/alpha\",\"nope/model\"]}", "analysis_models[1]", "model_not_found"),
      new Row("{\"model\":\"gpt-4o\"}", "model", "model_not_found"),
      new Row("{\"max_tool_calls\":17}", "max_tool_calls", "invalid_value"),
      new Row("{\"reasoning\":\"high\"}", "reasoning", "invalid_type"),
      new Row("{\"preset\":\"fusion/nope\"}", "preset", "model_not_found"),
      new Row("{\"colour\":1}", "colour", "unknown_parameter"),
      new Row("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":\"b\"},"
          + "{\"role\":\"user\",\"content\":\"c\"},{\"role\":\"user\",\"content\":\"d\"}]}", "messages",
          "too_many_messages"),
      new Row("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(201) + "\"}]}", "messages",
          "prompt_too_long"));

  @Test
  void theSameSettingsAreRefusedWithTheSameErrorOnEveryWayIn() throws Exception {
    for (Row row : ROWS) {
      ObjectNode request = row.request();
      // The jobs API
      assertError(client.post("/v1/jobs", Json.toString(request)), row.code, row.field);
      // Chat completions: the settings in the fusion plugin
      ObjectNode chat = Json.object().put("model", "fusion").put("tool_choice", "required");
      chat.set("messages", request.remove("messages"));
      ObjectNode plugin = chat.putArray("plugins").addObject().put("id", "fusion");
      plugin.setAll(request);
      assertError(client.post("/v1/chat/completions", Json.toString(chat)), row.code, row.chatParam());
      // A batch line (shorthand): the line error says the same
      ObjectNode line = row.request().put("custom_id", "only");
      HttpResponse<String> batch = client.post("/v1/batches", Json.toString(line));
      assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
      JsonNode error = Json.tree(batch.body()).path("errors").path("data").get(0);
      assertThat(error.path("code").asText() + " " + error.path("param").asText()).as(row.settings)
          .isEqualTo(row.code + " " + row.field);
    }
    // A fusion.requests record: the rejection's reason names the same code and field
    String requests = stack.context().topics().requests().name();
    try (var producer = KafkaSubmissionTest.producer()) {
      for (int i = 0; i < ROWS.size(); i++) {
        producer.send(KafkaSubmissionTest.record(requests, "row-" + i, Json.toString(ROWS.get(i).request()))).get();
      }
    }
    var rejected = KafkaSubmissionTest.readKeyed(stack.context().topics().rejections().name(), ROWS.size());
    for (int i = 0; i < ROWS.size(); i++) {
      assertThat(KafkaSubmissionTest.header(rejected.get("row-" + i), DeadLetterPublisher.REASON_HEADER))
          .startsWith(ROWS.get(i).code + " (" + ROWS.get(i).field + "): ");
    }
  }

  @Test
  void everyPresetWorksOnEveryWayIn() throws Exception {
    // The jobs API and a Kafka-style body name it as preset
    String job = harness.submit(stack, "{\"preset\":\"fusion/fast\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"Fast?\"}]}");
    JsonNode done = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
        .until(() -> client.getJson("/v1/jobs/" + job), j -> j.path("status").asText().matches("completed|failed"));
    assertThat(done.path("result").path("responses")).hasSize(2);
    // Chat completions name it as the model
    HttpResponse<String> chat = client.post("/v1/chat/completions", "{\"model\":\"fusion/budget\","
        + "\"tool_choice\":\"required\",\"messages\":[{\"role\":\"user\",\"content\":\"Budget?\"}]}");
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    assertThat(Json.tree(chat.body()).path("fusion").path("responses")).hasSize(1);
    // A batch line in the chat-completions format too (it used to be refused: body.model must be "fusion")
    HttpResponse<String> batch = client.post("/v1/batches", "{\"custom_id\":\"f\",\"url\":\"/v1/chat/completions\","
        + "\"body\":{\"model\":\"fusion/fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Fast line?\"}]}}");
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
    assertThat(Json.tree(batch.body()).path("invalid_lines").asLong()).isZero();
    String id = Json.tree(batch.body()).path("id").asText();
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
        .until(() -> client.getJson("/v1/batches/" + id).path("status").asText().equals("completed"));
    JsonNode result = Json.tree(client.get("/v1/batches/" + id + "/results").body().trim());
    assertThat(result.path("response").path("body").path("fusion").path("responses")).hasSize(2);
  }

  @Test
  void theBatchQueryStringLosesNothingAndRefusesWhatItDoesNotKnow() throws Exception {
    // The README's example, unencoded: ';' belongs to the first model ID, it does not end the parameter
    HttpResponse<String> response = client.post("/v1/batches?analysis_models=sim/alpha;latency_ms=5,sim/beta"
        + "&temperature=0.5&max_tool_calls=4", "{\"custom_id\":\"q\",\"prompt\":\"Two models?\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode batch = Json.tree(response.body());
    // and the settings come back with their JSON types
    JsonNode settings = batch.path("settings");
    assertThat(settings.size()).isEqualTo(3);
    assertThat(Json.toString(settings.path("analysis_models"))).isEqualTo("[\"sim/alpha;latency_ms=5\",\"sim/beta\"]");
    assertThat(settings.path("temperature").isNumber()).isTrue();
    assertThat(settings.path("temperature").asDouble()).isEqualTo(0.5);
    assertThat(settings.path("max_tool_calls").isInt()).isTrue();
    String id = batch.path("id").asText();
    await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
        .until(() -> client.getJson("/v1/batches/" + id).path("status").asText().equals("completed"));
    JsonNode result = Json.tree(client.get("/v1/batches/" + id + "/results").body().trim());
    assertThat(result.path("response").path("body").path("fusion").path("responses")).hasSize(2);
    assertThat(client.getJson("/v1/batches/" + id).path("settings").path("analysis_models")).hasSize(2);
    // An unknown parameter is a 400, like an unknown JSON field
    assertError(client.post("/v1/batches?analysis_models=sim/alpha&colour=blue", "{\"custom_id\":\"q\","
        + "\"prompt\":\"x\"}"), "unknown_parameter", "colour");
    assertError(client.post("/v1/batches?model=nope/judge", "{\"custom_id\":\"q\",\"prompt\":\"x\"}"),
        "model_not_found", "model");
  }

  private static void assertError(HttpResponse<String> response, String code, String param) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/json");
    JsonNode error = Json.tree(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("code").asText() + " " + error.path("param").asText()).isEqualTo(code + " " + param);
  }
}
