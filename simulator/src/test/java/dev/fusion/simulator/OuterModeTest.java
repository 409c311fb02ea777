package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class OuterModeTest extends SimulatorTestBase {

  private static JsonObject routed(String prompt, JsonObject... tools) {
    JsonArray t = new JsonArray();
    for (JsonObject o : tools) {
      t.add(o);
    }
    return chatBody("sim/router", prompt).put("tools", t).put("tool_choice", "auto");
  }

  @Test
  void shortSimpleQuestionIsAnsweredDirectly() {
    JsonObject choice = choice(routed("What is the capital of France?", fn("fusion")));
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(choice.getJsonObject("message").getString("content")).isNotBlank();
    assertThat(choice.getJsonObject("message").containsKey("tool_calls")).isFalse();
  }

  @Test
  void analyticalOrLongQuestionCallsFusion() {
    for (String prompt :
        List.of(
            "Compare Rust and Go",
            "Why is the sky blue?",
            "I would like a careful multi-angle look at how remote work changes team"
                + " communication over several years")) {
      JsonObject choice = choice(routed(prompt, fn("fusion")));
      assertThat(choice.getString("finish_reason")).as(prompt).isEqualTo("tool_calls");
      JsonObject msg = choice.getJsonObject("message");
      assertThat(msg.getValue("content")).isNull();
      JsonObject call = msg.getJsonArray("tool_calls").getJsonObject(0);
      assertThat(call.getString("id")).startsWith("call_");
      assertThat(call.getString("type")).isEqualTo("function");
      assertThat(call.getJsonObject("function").getString("name")).isEqualTo("fusion");
      assertThat(call.getJsonObject("function").getString("arguments")).isEqualTo("{}");
    }
  }

  @Test
  void toolResultLeadsToADirectAnswer() {
    JsonObject body = routed("Compare Rust and Go", fn("fusion"));
    body.getJsonArray("messages")
        .add(
            new JsonObject()
                .put("role", "assistant")
                .putNull("content")
                .put(
                    "tool_calls",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", "call_1")
                                .put("type", "function")
                                .put(
                                    "function",
                                    new JsonObject().put("name", "fusion").put("arguments", "{}")))))
        .add(
            new JsonObject()
                .put("role", "tool")
                .put("tool_call_id", "call_1")
                .put("content", "Both are fine."));
    JsonObject choice = choice(body);
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(choice.getJsonObject("message").getString("content")).isNotBlank();
  }

  @Test
  void useToolPhraseCallsThatTool() {
    JsonObject choice =
        choice(routed("please use tool get_weather for Paris", fn("get_weather"), fn("fusion")));
    assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
    assertThat(
            choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0)
                .getJsonObject("function").getString("name"))
        .isEqualTo("get_weather");

    JsonObject direct = choice(routed("hello there", fn("get_weather")));
    assertThat(direct.getString("finish_reason")).isEqualTo("stop");
  }

  @Test
  void streamedToolCall() {
    JsonObject body = routed("Compare Rust and Go", fn("fusion")).put("stream", true);
    var data = sseData(chat(body).bodyAsString());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    StringBuilder args = new StringBuilder();
    String name = null;
    String finish = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonObject choice = new JsonObject(d).getJsonArray("choices").getJsonObject(0);
      JsonArray calls = choice.getJsonObject("delta").getJsonArray("tool_calls");
      if (calls != null) {
        JsonObject f = calls.getJsonObject(0).getJsonObject("function");
        if (f.getString("name") != null) {
          name = f.getString("name");
        }
        args.append(f.getString("arguments", ""));
      }
      if (choice.getString("finish_reason") != null) {
        finish = choice.getString("finish_reason");
      }
    }
    assertThat(name).isEqualTo("fusion");
    assertThat(args.toString()).isEqualTo("{}");
    assertThat(finish).isEqualTo("tool_calls");
  }
}
