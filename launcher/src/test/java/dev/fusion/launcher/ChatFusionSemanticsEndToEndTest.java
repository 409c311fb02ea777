package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.simulator.RecordedRequest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reference's semantics call for call on {@code POST /v1/chat/completions}, end to end: which
 * settings reach which inner call, the outer model seeing fusion as a tool with the client's own tools
 * still on offer, a failed deliberation answered rather than failed, and a routing call counted in usage.
 * Each test uses its own simulated model names, so the simulator's record of each call is the test's.
 */
class ChatFusionSemanticsEndToEndTest extends SharedPipelineTestBase {

  private HttpResponse<String> post(JsonNode body) throws Exception {
    return harness.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.httpPort()
            + "/v1/chat/completions")).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Json.toString(body))).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A fusion request with its own panel, judge and outer model. */
  private static ObjectNode fusionRequest(String prompt, String prefix, String... panel) {
    ObjectNode body = Json.object().put("model", "fusion");
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    ObjectNode plugin = body.putArray("plugins").addObject().put("id", "fusion");
    ArrayNode models = plugin.putArray("analysis_models");
    for (String m : panel) {
      models.add(m);
    }
    plugin.put("model", prefix + "-judge").put("synthesizer", prefix + "-writer");
    return body;
  }

  private static ObjectNode weatherTool() {
    ObjectNode tool = Json.object().put("type", "function");
    ObjectNode fn = tool.putObject("function").put("name", "get_weather").put("description", "The weather in a city");
    fn.putObject("parameters").put("type", "object").putObject("properties").putObject("city").put("type", "string");
    return tool;
  }

  @Test
  void theClientsTopLevelSettingsAndToolsReachOnlyTheOuterModelWhichSeesFusionAsATool() throws Exception {
    // Given a client with its own tool, its own temperature and token limit, and fusion settings of its own
    ObjectNode body = fusionRequest("Should I take the train or fly from Paris to Berlin?", "sim/rt",
        "sim/rt-a", "sim/rt-b");
    body.put("temperature", 0.3).put("max_tokens", 700).put("tool_choice", "required");
    body.putArray("tools").add(weatherTool());
    ObjectNode plugin = (ObjectNode) body.path("plugins").get(0);
    plugin.put("temperature", 1.1).put("max_completion_tokens", 1200);

    // When it is answered
    HttpResponse<String> response = post(body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

    // Then the panel got the fusion config's temperature and limit, the judge the limit at temperature 0
    for (String panel : List.of("sim/rt-a", "sim/rt-b")) {
      JsonNode sent = harness.simulator.requests(panel).get(0).body();
      assertThat(sent.path("temperature").asDouble()).isEqualTo(1.1);
      assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(1200);
      assertThat(sent.path("tools").findValuesAsText("name")).doesNotContain("get_weather", "fusion");
    }
    JsonNode judge = harness.simulator.requests("sim/rt-judge").get(0).body();
    assertThat(judge.path("temperature").asDouble()).isZero();
    assertThat(judge.path("max_completion_tokens").asInt()).isEqualTo(1200);
    // and the outer model its client's own temperature and limit, with the client's tool still on offer,
    // after its fusion call answered by the analysis in the hosted tool's shape
    JsonNode writer = harness.simulator.requests("sim/rt-writer").get(0).body();
    assertThat(writer.path("temperature").asDouble()).isEqualTo(0.3);
    assertThat(writer.path("max_completion_tokens").asInt()).isEqualTo(700);
    assertThat(writer.path("tools").findValuesAsText("name")).contains("get_weather", "fusion");
    assertThat(writer.path("tool_choice").asText()).isEqualTo("auto");
    JsonNode messages = writer.path("messages");
    JsonNode call = messages.get(messages.size() - 2).path("tool_calls").get(0);
    JsonNode result = messages.get(messages.size() - 1);
    assertThat(call.path("function").path("name").asText()).isEqualTo("fusion");
    assertThat(result.path("tool_call_id").asText()).isEqualTo(call.path("id").asText());
    assertThat(Json.tree(result.path("content").asText()).path("status").asText()).isEqualTo("ok");
    // And the completion is the outer model's answer with the fusion object
    JsonNode completion = Json.tree(response.body());
    assertThat(completion.path("choices").get(0).path("message").path("content").asText()).isNotBlank();
    assertThat(completion.path("fusion").path("judge").path("labels")).hasSize(2);
  }

  @Test
  void aDeliberationWhosePanelFailedIsStillAnsweredAsA200WithTheErrorInTheFusionObject() throws Exception {
    // Given a panel that cannot answer
    ObjectNode body = fusionRequest("What is the tallest mountain in Europe and why is it disputed?", "sim/fail",
        "sim/fail-a;fault=http401", "sim/fail-b;fault=http401");
    body.put("tool_choice", "required");

    HttpResponse<String> response = post(body);

    // Then the outer model answered on its own, told why, and the response says what happened
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode completion = Json.tree(response.body());
    assertThat(completion.path("choices").get(0).path("message").path("content").asText()).isNotBlank();
    assertThat(completion.path("fusion").path("failure_reason").asText()).isEqualTo("all_panels_failed");
    assertThat(completion.path("fusion").path("error").asText()).isNotBlank();
    assertThat(completion.path("fusion").path("failed_models")).hasSize(2);
    JsonNode writer = harness.simulator.requests("sim/fail-writer").get(0).body().path("messages");
    JsonNode toolResult = Json.tree(writer.get(writer.size() - 1).path("content").asText());
    assertThat(toolResult.path("status").asText()).isEqualTo("error");
    assertThat(toolResult.path("failure_reason").asText()).isEqualTo("all_panels_failed");
    assertThat(harness.simulator.requests("sim/fail-judge")).isEmpty();

    // And a client that prefers a hard failure gets a status the OpenAI SDKs do not retry
    ((ObjectNode) body.path("plugins").get(0)).put("on_failure", "error");
    HttpResponse<String> hard = post(body);
    assertThat(hard.statusCode()).as(hard.body()).isEqualTo(424);
    assertThat(Json.tree(hard.body()).path("error").path("code").asText()).isEqualTo("all_panels_failed");
  }

  @Test
  void theRoutingCallOfAutoIsARouterStageAndTheStagesAndModelsAddUpToTheTotal() throws Exception {
    // Given tool_choice auto and a prompt the outer model deliberates on
    ObjectNode body = fusionRequest("Compare heat pumps and gas boilers: pros and cons for an old house.", "sim/route",
        "sim/route-a", "sim/route-b");
    ((ObjectNode) body.path("plugins").get(0)).put("synthesizer", "sim/route-writer");

    JsonNode completion = Json.tree(post(body).body());
    JsonNode usage = completion.path("fusion").path("usage");
    assertThat(usage.path("by_stage").fieldNames()).toIterable()
        .containsExactly("router", "panel", "judge", "synthesizer");
    long stages = 0;
    for (JsonNode stage : usage.path("by_stage")) {
      stages += stage.path("prompt_tokens").asLong();
    }
    long models = 0;
    for (JsonNode model : usage.path("by_model")) {
      models += model.path("prompt_tokens").asLong();
    }
    assertThat(stages).isEqualTo(usage.path("total").path("prompt_tokens").asLong());
    assertThat(models).isEqualTo(stages);
    assertThat(usage.path("by_stage").path("router").path("prompt_tokens").asLong()).isPositive();
    // the outer model was called twice: once to route, once to write
    assertThat(harness.simulator.requests("sim/route-writer")).hasSize(2);
  }

  @Test
  void providerWebToolsAndAWebPluginTurnedOffReachThePanelAsAsked() throws Exception {
    // web_tools "provider": the provider's server tools instead of Fusion's loop
    ObjectNode provider = fusionRequest("Who invented the telephone?", "sim/pw", "sim/pw-a;web_steps=2");
    provider.put("tool_choice", "required");
    ((ObjectNode) provider.path("plugins").get(0)).put("web_tools", "provider");
    assertThat(post(provider).statusCode()).isEqualTo(200);
    List<RecordedRequest> calls = harness.simulator.requests("sim/pw-a");
    assertThat(calls).hasSize(1);
    assertThat(calls.get(0).body().path("tools").findValuesAsText("type"))
        .containsExactly("openrouter:web_search", "openrouter:web_fetch");

    // a web plugin with enabled: false: no web tools at all
    ObjectNode off = fusionRequest("Who invented the radio?", "sim/wo", "sim/wo-a;web_steps=2");
    off.put("tool_choice", "required");
    ((ArrayNode) off.path("plugins")).addObject().put("id", "web").put("enabled", false);
    assertThat(post(off).statusCode()).isEqualTo(200);
    List<RecordedRequest> offCalls = harness.simulator.requests("sim/wo-a");
    assertThat(offCalls).hasSize(1);
    assertThat(offCalls.get(0).body().has("tools")).isFalse();
  }
}
