package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code max_completion_tokens}, {@code reasoning} and {@code tool_choice: "none"} are honoured. */
class BudgetAndReasoningTest extends SimulatorTestBase {

  private static final String PROMPT = "What limits the battery life of electric cars?";

  private static int tokens(String text) {
    return (text.length() + 3) / 4;
  }

  private JsonObject completion(JsonObject body) {
    var r = chat(body);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  private static String content(JsonObject completion) {
    return completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }

  private static String finish(JsonObject completion) {
    return completion.getJsonArray("choices").getJsonObject(0).getString("finish_reason");
  }

  /** The last chunk before [DONE] that has a usage, and the finish reason, of a streamed answer. */
  private record Streamed(String content, String finish, JsonObject usage) {}

  private Streamed streamed(JsonObject body) {
    List<String> data = sseData(chat(body.put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true))).bodyAsString());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    String finish = null;
    JsonObject usage = null;
    for (String d : data.subList(0, data.size() - 1)) {
      JsonObject chunk = new JsonObject(d);
      JsonArray choices = chunk.getJsonArray("choices");
      if (!choices.isEmpty() && choices.getJsonObject(0).getString("finish_reason") != null) {
        finish = choices.getJsonObject(0).getString("finish_reason");
      }
      if (chunk.containsKey("usage")) {
        usage = chunk.getJsonObject("usage");
      }
    }
    return new Streamed(streamedContent(data), finish, usage);
  }

  @Test
  void maxCompletionTokensCutsTheAnswerWithFinishReasonLength() {
    String full = answer("sim/alpha", PROMPT);
    assertThat(tokens(full)).isGreaterThan(10);

    JsonObject cut = completion(chatBody("sim/alpha", PROMPT).put("max_completion_tokens", 10));
    assertThat(content(cut)).isEqualTo(full.substring(0, 40));
    assertThat(finish(cut)).isEqualTo("length");
    assertThat(cut.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(10);

    JsonObject viaMaxTokens = completion(chatBody("sim/alpha", PROMPT).put("max_tokens", 10));
    assertThat(content(viaMaxTokens)).isEqualTo(full.substring(0, 40));
    assertThat(finish(viaMaxTokens)).isEqualTo("length");

    JsonObject roomy = completion(chatBody("sim/alpha", PROMPT).put("max_completion_tokens", tokens(full)));
    assertThat(content(roomy)).isEqualTo(full);
    assertThat(finish(roomy)).isEqualTo("stop");
  }

  @Test
  void aStreamedAnswerIsCutTheSameWay() {
    String full = answer("sim/alpha", PROMPT);
    Streamed s = streamed(chatBody("sim/alpha", PROMPT).put("max_completion_tokens", 10));
    assertThat(s.content()).isEqualTo(full.substring(0, 40));
    assertThat(s.finish()).isEqualTo("length");
    assertThat(s.usage().getInteger("completion_tokens")).isEqualTo(10);
  }

  @Test
  void reasoningSpendsTokensByEffortAndReportsThem() {
    String full = answer("sim/alpha", PROMPT);
    JsonObject plain = completion(chatBody("sim/alpha", PROMPT));
    assertThat(plain.getJsonObject("usage").containsKey("completion_tokens_details")).isFalse();

    JsonObject low = completion(chatBody("sim/alpha", PROMPT).put("reasoning", new JsonObject().put("effort", "low")));
    assertThat(content(low)).isEqualTo(full);
    JsonObject usage = low.getJsonObject("usage");
    assertThat(usage.getJsonObject("completion_tokens_details").getInteger("reasoning_tokens")).isEqualTo(64);
    assertThat(usage.getInteger("completion_tokens")).isEqualTo(tokens(full) + 64);
    assertThat(usage.getInteger("total_tokens"))
        .isEqualTo(usage.getInteger("prompt_tokens") + usage.getInteger("completion_tokens"));

    JsonObject high = completion(chatBody("sim/alpha", PROMPT).put("reasoning", new JsonObject().put("effort", "high")));
    assertThat(reasoningTokens(high)).isEqualTo(1024);
    JsonObject capped = completion(chatBody("sim/alpha", PROMPT)
        .put("reasoning", new JsonObject().put("effort", "high").put("max_tokens", 20)));
    assertThat(reasoningTokens(capped)).isEqualTo(20);
    JsonObject byMaxTokensAlone = completion(chatBody("sim/alpha", PROMPT)
        .put("reasoning", new JsonObject().put("max_tokens", 1000)));
    assertThat(reasoningTokens(byMaxTokensAlone)).isEqualTo(256);
    JsonObject viaReasoningEffort = completion(chatBody("sim/alpha", PROMPT).put("reasoning_effort", "minimal"));
    assertThat(reasoningTokens(viaReasoningEffort)).isEqualTo(16);

    JsonObject none = completion(chatBody("sim/alpha", PROMPT).put("reasoning", new JsonObject().put("effort", "none")));
    assertThat(none.getJsonObject("usage").containsKey("completion_tokens_details")).isFalse();
    JsonObject disabled = completion(chatBody("sim/alpha", PROMPT)
        .put("reasoning", new JsonObject().put("effort", "high").put("enabled", false)));
    assertThat(disabled.getJsonObject("usage").containsKey("completion_tokens_details")).isFalse();
  }

  @Test
  void reasoningTokensCountInsideTheBudget() {
    String full = answer("sim/alpha", PROMPT);
    JsonObject tight = completion(chatBody("sim/alpha", PROMPT).put("max_completion_tokens", 64 + 10)
        .put("reasoning", new JsonObject().put("effort", "low")));
    assertThat(content(tight)).isEqualTo(full.substring(0, 40));
    assertThat(finish(tight)).isEqualTo("length");
    assertThat(reasoningTokens(tight)).isEqualTo(64);
    assertThat(tight.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(74);

    // The reasoning eats the whole budget: nothing visible is left, as with real reasoning models.
    JsonObject starved = completion(chatBody("sim/alpha", PROMPT).put("max_completion_tokens", 100)
        .put("reasoning", new JsonObject().put("effort", "high")));
    assertThat(content(starved)).isEmpty();
    assertThat(finish(starved)).isEqualTo("length");
    assertThat(reasoningTokens(starved)).isEqualTo(100);

    Streamed s = streamed(chatBody("sim/alpha", PROMPT).put("max_completion_tokens", 74)
        .put("reasoning", new JsonObject().put("effort", "low")));
    assertThat(s.content()).isEqualTo(full.substring(0, 40));
    assertThat(s.finish()).isEqualTo("length");
    assertThat(s.usage().getJsonObject("completion_tokens_details").getInteger("reasoning_tokens")).isEqualTo(64);
  }

  @Test
  void aToolCallThatDoesNotFitIsNotMade() {
    JsonObject body = chatBody("sim/router", "Compare Rust and Go").put("tools", new JsonArray().add(fn("fusion")))
        .put("max_completion_tokens", 3);
    JsonObject c = completion(body);
    assertThat(finish(c)).isEqualTo("length");
    JsonObject message = c.getJsonArray("choices").getJsonObject(0).getJsonObject("message");
    assertThat(message.containsKey("tool_calls")).isFalse();
    assertThat(message.getString("content")).isEmpty();
  }

  @Test
  void toolChoiceNoneNeverYieldsToolCalls() {
    JsonObject tools = chatBody("sim/router", "Compare Rust and Go, and please use tool fusion")
        .put("tools", new JsonArray().add(fn("fusion")));
    assertThat(choice(tools.copy()).getString("finish_reason")).isEqualTo("tool_calls");
    JsonObject none = choice(tools.copy().put("tool_choice", "none"));
    assertThat(none.getString("finish_reason")).isEqualTo("stop");
    assertThat(none.getJsonObject("message").containsKey("tool_calls")).isFalse();
    assertThat(none.getJsonObject("message").getString("content")).isNotBlank();
  }

  @Test
  void theJudgeStillAnswersItsAnalysisWithinABudget() {
    String prompt = JudgeModeTest.block("A", "Tests are good for you.") + JudgeModeTest.block("B", "Tests are good.");
    JsonObject roomy = completion(JudgeModeTest.judgeRequest("sim/judge", prompt).put("max_completion_tokens", 4000)
        .put("reasoning", new JsonObject().put("effort", "low")));
    JudgeModeTest.assertSchemaValid(new JsonObject(content(roomy)));
    assertThat(reasoningTokens(roomy)).isEqualTo(64);
    JsonObject tight = completion(JudgeModeTest.judgeRequest("sim/judge", prompt).put("max_completion_tokens", 5));
    assertThat(finish(tight)).isEqualTo("length");
    assertThat(content(roomy)).startsWith(content(tight));
  }

  private static int reasoningTokens(JsonObject completion) {
    return completion.getJsonObject("usage").getJsonObject("completion_tokens_details").getInteger("reasoning_tokens");
  }
}
