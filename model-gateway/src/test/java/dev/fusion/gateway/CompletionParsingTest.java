package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.contract.FailureReasons;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A whole (non-streamed) completion body, read by the same streaming reader as the chunks of a stream. */
class CompletionParsingTest {
  private static ChatResult parse(String body) {
    return WireFormat.parseCompletion("sim/a", body.getBytes(StandardCharsets.UTF_8), 0);
  }

  private static AttemptFailure failure(String body) {
    try {
      parse(body);
    } catch (AttemptFailure f) {
      return f;
    }
    throw new AssertionError("no failure for " + body);
  }

  @Test
  void aCompletionGivesItsContentModelFinishReasonAndUsage() {
    ChatResult r = parse("""
        {"id":"c1","object":"chat.completion","model":"sim/a-2024","extra":{"deep":[1,{"x":null}]},
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello \\"there\\""},
                     "logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":5,"completion_tokens_details":{"reasoning_tokens":2},
                  "cost":0.25}}""");

    assertThat(r.content()).isEqualTo("Hello \"there\"");
    assertThat(r.respondingModel()).isEqualTo("sim/a-2024");
    assertThat(r.requestedModel()).isEqualTo("sim/a");
    assertThat(r.finishReason()).isEqualTo("stop");
    assertThat(r.reasoning()).isNull();
    assertThat(r.toolCalls()).isEmpty();
    assertThat(r.usage().promptTokens()).isEqualTo(12);
    assertThat(r.usage().completionTokens()).isEqualTo(5);
    assertThat(r.usage().reasoningTokens()).isEqualTo(2);
    assertThat(r.usage().costUsd()).isEqualTo(0.25);
  }

  @Test
  void missingOrNullFieldsFallBackAsTheyDidWithATree() {
    ChatResult r = parse("""
        {"model":null,"choices":[{"message":{"content":null,"reasoning":null,"reasoning_content":"why"},
         "finish_reason":null}],"usage":null}""");

    assertThat(r.content()).isEmpty();
    assertThat(r.respondingModel()).isEqualTo("sim/a");
    assertThat(r.reasoning()).isEqualTo("why");
    assertThat(r.finishReason()).isNull();
    assertThat(r.usage().promptTokens()).isZero();
  }

  @Test
  void reasoningIsPreferredOverReasoningContent() {
    ChatResult r = parse("{\"choices\":[{\"message\":{\"content\":\"a\",\"reasoning\":\"r1\",\"reasoning_content\":\"r2\"}}]}");

    assertThat(r.reasoning()).isEqualTo("r1");
  }

  @Test
  void theFirstChoiceIsTakenWhateverItsIndex() {
    ChatResult r = parse("{\"choices\":[{\"index\":3,\"message\":{\"content\":\"first\"}},"
        + "{\"index\":0,\"message\":{\"content\":\"second\"}}]}");

    assertThat(r.content()).isEqualTo("first");
  }

  @Test
  void toolCallsComeWholeWithTheirDefaults() {
    ChatResult r = parse("""
        {"choices":[{"message":{"content":null,"tool_calls":[
          {"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\\"id\\":7}"}},
          {"function":{"name":"other"}}]},"finish_reason":"tool_calls"}]}""");

    assertThat(r.toolCalls()).containsExactly(
        new ToolCall("call_1", "function", "lookup", "{\"id\":7}"),
        new ToolCall(null, "function", "other", ""));
    assertThat(r.content()).isEmpty();
  }

  @Test
  void anErrorBodyIsAnUpstreamErrorWithItsMessage() {
    AttemptFailure f = failure("{\"error\":{\"message\":\"overloaded\",\"code\":529},\"choices\":[]}");

    assertThat(f.reason).isEqualTo(FailureReasons.UPSTREAM_ERROR);
    assertThat(f.message).isEqualTo("response of sim/a is an error: overloaded");
    assertThat(failure("{\"error\":\"plain text\"}").message).isEqualTo("response of sim/a is an error: plain text");
  }

  @Test
  void bodiesThatAreNotCompletionsAreInvalidResponses() {
    assertThat(failure("not json").message).isEqualTo("response of sim/a is not valid JSON");
    assertThat(failure("{\"choices\":[{\"message\":{\"content\":\"cut o").message)
        .isEqualTo("response of sim/a is not valid JSON");
    assertThat(failure("[1,2]").message).isEqualTo("response of sim/a is not a JSON object");
    assertThat(failure("").message).isEqualTo("response of sim/a is not a JSON object");
    assertThat(failure("{\"id\":\"c\"}").message).isEqualTo("response of sim/a has no choices");
    assertThat(failure("{\"choices\":[]}").message).isEqualTo("response of sim/a has no choices");
    assertThat(failure("{\"error\":null,\"choices\":[]}").reason).isEqualTo(FailureReasons.INVALID_RESPONSE);
    assertThatThrownBy(() -> parse("{\"choices\":{}}")).isInstanceOf(AttemptFailure.class);
  }
}
