package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

/** What a real provider refuses, the simulator refuses: 400, OpenAI's error shape, the parameter named. */
class StrictnessTest extends SimulatorTestBase {

  private static final String PROMPT = "What is the capital of France?";

  private void assertRejected(JsonObject body, String param, String code, String messagePart) {
    HttpResponse<Buffer> r = chat(body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    assertThat(r.bodyAsJsonObject().fieldNames()).containsExactly("error");
    JsonObject err = errorOf(r);
    assertThat(err.getString("type")).isEqualTo("invalid_request_error");
    assertThat(err.getString("param")).isEqualTo(param);
    assertThat(err.getString("code")).isEqualTo(code);
    assertThat(err.getString("message")).contains(messagePart);
  }

  private void assertAccepted(JsonObject body) {
    HttpResponse<Buffer> r = chat(body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
  }

  static JsonObject assistantCalling(String... ids) {
    JsonArray calls = new JsonArray();
    for (String id : ids) {
      calls.add(new JsonObject().put("id", id).put("type", "function")
          .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":\"x\"}")));
    }
    return new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", calls);
  }

  static JsonObject toolAnswer(String id, String content) {
    return new JsonObject().put("role", "tool").put("tool_call_id", id).put("content", content);
  }

  /** system, user, then the given messages, with the {@code lookup} tool offered. */
  private static JsonObject conversation(JsonObject... more) {
    JsonObject body = chatBody("sim/alpha", PROMPT).put("tools", new JsonArray().add(fn("lookup", "q")));
    for (JsonObject m : more) {
      body.getJsonArray("messages").add(m);
    }
    return body;
  }

  // ---- tool messages

  @Test
  void aToolMessageWithoutToolCallIdIsRefused() {
    JsonObject noId = new JsonObject().put("role", "tool").put("content", "42");
    assertRejected(conversation(assistantCalling("call_1"), noId), "messages[3].tool_call_id",
        "missing_required_parameter", "tool_call_id");
  }

  @Test
  void aToolMessageAnsweringNoToolCallOfThePrecedingAssistantIsRefused() {
    assertRejected(conversation(assistantCalling("call_1"), toolAnswer("call_9", "42")),
        "messages[3].tool_call_id", "invalid_value", "call_9");
  }

  @Test
  void aToolMessageThatDoesNotFollowAnAssistantWithToolCallsIsRefused() {
    assertRejected(conversation(toolAnswer("call_1", "42")), "messages[2].tool_call_id", "invalid_value",
        "must be a response to a preceding assistant message with 'tool_calls'");
    // Not directly after it: a user message in between ends the tool turn.
    JsonObject user = new JsonObject().put("role", "user").put("content", "and?");
    assertRejected(conversation(assistantCalling("call_1"), toolAnswer("call_1", "42"), user,
        toolAnswer("call_1", "again")), "messages[5].tool_call_id", "invalid_value", "call_1");
  }

  @Test
  void anAssistantToolCallWithoutAnAnswerIsRefused() {
    assertRejected(conversation(assistantCalling("call_1", "call_2"), toolAnswer("call_1", "42")),
        "messages[2].tool_calls[1].id", "invalid_value", "call_2");
    JsonObject user = new JsonObject().put("role", "user").put("content", "never mind");
    assertRejected(conversation(assistantCalling("call_1"), user), "messages[2].tool_calls[0].id",
        "invalid_value", "must be followed by tool messages");
  }

  @Test
  void toolAnswersMayComeInAnyOrder() {
    assertAccepted(conversation(assistantCalling("call_1", "call_2"), toolAnswer("call_2", "b"),
        toolAnswer("call_1", "a")));
  }

  @Test
  void aToolCallAnsweredTwiceIsRefused() {
    assertRejected(conversation(assistantCalling("call_1"), toolAnswer("call_1", "a"), toolAnswer("call_1", "b")),
        "messages[4].tool_call_id", "invalid_value", "a second time");
  }

  @Test
  void aMalformedAssistantToolCallIsRefused() {
    JsonObject noArguments = assistantCalling("call_1");
    noArguments.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").remove("arguments");
    assertRejected(conversation(noArguments, toolAnswer("call_1", "a")),
        "messages[2].tool_calls[0].function.arguments", "missing_required_parameter", "arguments");
  }

  // ---- tools and tool_choice

  @Test
  void toolChoiceWithoutToolsIsRefused() {
    assertRejected(chatBody("sim/alpha", PROMPT).put("tool_choice", "none"), "tool_choice", "invalid_value",
        "only allowed when 'tools' are specified");
  }

  @Test
  void toolChoiceNamingAFunctionNotAmongTheToolsIsRefused() {
    JsonObject choice = new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "fusion"));
    assertRejected(conversation().put("tool_choice", choice), "tool_choice.function.name", "invalid_value",
        "'fusion' is not among the function tools");
    assertRejected(conversation().put("tool_choice", "sometimes"), "tool_choice", "invalid_value", "sometimes");
  }

  @Test
  void aFunctionToolWithoutANameIsRefused() {
    JsonObject nameless = new JsonObject().put("type", "function").put("function", new JsonObject()
        .put("parameters", new JsonObject().put("type", "object")));
    assertRejected(chatBody("sim/alpha", PROMPT).put("tools", new JsonArray().add(nameless)),
        "tools[0].function.name", "missing_required_parameter", "tools[0].function.name");
    assertRejected(chatBody("sim/alpha", PROMPT).put("tools", new JsonArray().add(fn("openrouter:fusion"))),
        "tools[0].function.name", "invalid_value", "^[a-zA-Z0-9_-]{1,64}$");
    assertRejected(chatBody("sim/alpha", PROMPT).put("tools", new JsonArray()), "tools", "invalid_value",
        "empty array");
  }

  @Test
  void toolTypesOtherThanFunctionAndOpenRoutersWebToolsAreRefused() {
    JsonArray tools = new JsonArray().add(fn("lookup", "q")).add(new JsonObject().put("type", "web_search_preview"));
    assertRejected(chatBody("sim/alpha", PROMPT).put("tools", tools), "tools[1].type", "invalid_value",
        "web_search_preview");
    JsonArray serverTools = new JsonArray().add(new JsonObject().put("type", "openrouter:web_search"))
        .add(new JsonObject().put("type", "openrouter:web_fetch").put("parameters", new JsonObject()));
    assertAccepted(chatBody("sim/alpha", PROMPT).put("tools", serverTools));
  }

  // ---- reasoning and numbers

  @Test
  void aReasoningEffortOutsideOpenRoutersSetIsRefused() {
    assertRejected(chatBody("sim/alpha", PROMPT).put("reasoning", new JsonObject().put("effort", "maximum")),
        "reasoning.effort", "invalid_value", "none, minimal, low, medium, high, xhigh");
    for (String effort : new String[] {"none", "minimal", "low", "medium", "high", "xhigh"}) {
      assertAccepted(chatBody("sim/alpha", PROMPT).put("reasoning", new JsonObject().put("effort", effort)));
    }
    assertRejected(chatBody("sim/alpha", PROMPT).put("reasoning", new JsonObject().put("max_tokens", 0)),
        "reasoning.max_tokens", "invalid_value", "minimum of 1");
  }

  @Test
  void reasoningThatIsNotAnObjectIsRefused() {
    assertRejected(chatBody("sim/alpha", PROMPT).put("reasoning", "high"), "reasoning", "invalid_type",
        "must be an object");
  }

  @Test
  void aTemperatureOutside0To2IsRefused() {
    assertRejected(chatBody("sim/alpha", PROMPT).put("temperature", 2.5), "temperature", "invalid_value",
        "between 0 and 2");
    assertRejected(chatBody("sim/alpha", PROMPT).put("temperature", -0.1), "temperature", "invalid_value",
        "between 0 and 2");
    assertRejected(chatBody("sim/alpha", PROMPT).put("temperature", "hot"), "temperature", "invalid_type", "number");
    assertAccepted(chatBody("sim/alpha", PROMPT).put("temperature", 2));
  }

  @Test
  void maxTokensBelowOneAreRefused() {
    assertRejected(chatBody("sim/alpha", PROMPT).put("max_completion_tokens", 0), "max_completion_tokens",
        "invalid_value", "minimum of 1");
    assertRejected(chatBody("sim/alpha", PROMPT).put("max_tokens", -5), "max_tokens", "invalid_value",
        "minimum of 1");
    assertRejected(chatBody("sim/alpha", PROMPT).put("max_tokens", 1.5), "max_tokens", "invalid_type", "integer");
  }

  @Test
  void emptyMessagesAreRefused() {
    assertRejected(new JsonObject().put("model", "sim/alpha").put("messages", new JsonArray()), "messages",
        "invalid_value", "non-empty");
    assertRejected(new JsonObject().put("model", "sim/alpha"), "messages", "missing_required_parameter",
        "messages");
  }

  @Test
  void anUnknownRoleIsRefused() {
    JsonObject body = chatBody("sim/alpha", PROMPT);
    body.getJsonArray("messages").getJsonObject(1).put("role", "human");
    assertRejected(body, "messages[1].role", "invalid_value", "'human'");
    JsonObject noContent = chatBody("sim/alpha", PROMPT);
    noContent.getJsonArray("messages").getJsonObject(1).remove("content");
    assertRejected(noContent, "messages[1].content", "missing_required_parameter", "content");
  }

  @Test
  void whatTheSimulatorRefusedBeforeItStillRefuses() {
    assertThat(chat(chatBody("gpt-4o", PROMPT)).statusCode()).isEqualTo(404);
    assertThat(chat(chatBody("sim/alpha;fault=explode", PROMPT)).statusCode()).isEqualTo(400);
    assertThat(errorOf(post("/v1/chat/completions", new JsonObject().put("model", "sim/alpha")
        .put("messages", new JsonArray().add("not an object")))).getString("param")).isEqualTo("messages[0]");
    HttpResponse<Buffer> notJson = await(client.post(sim.port(), "127.0.0.1", "/v1/chat/completions")
        .putHeader("content-type", "application/json").sendBuffer(Buffer.buffer("{oops")));
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(errorOf(notJson).getString("code")).isEqualTo("invalid_json");
  }
}
