package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamAccumulatorTest {
  /** As the gateway hands a payload over: UTF-8 bytes inside a larger buffer (its SSE line). */
  private static String accept(StreamAccumulator acc, String json) {
    byte[] line = ("data: " + json + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return acc.accept(line, "data: ".length(), line.length - 1);
  }

  @Test
  void reasoningContentAsDeepSeekAndVllmNameItCountsAsTheFirstToken() {
    StreamAccumulator acc = new StreamAccumulator();
    accept(acc, ("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}"));
    assertThat(acc.started()).isFalse();
    accept(acc, ("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}"));
    assertThat(acc.started()).isTrue();
    assertThat(acc.sawContent()).isFalse();
    assertThat(acc.reasoning()).isEqualTo("hmm");
    assertThat(acc.complete()).isFalse();
  }

  @Test
  void aStreamIsCompleteOnlyWithAFinishReasonOrDone() {
    StreamAccumulator acc = new StreamAccumulator();
    assertThat(accept(acc, ("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}"))).isEqualTo("Hel");
    assertThat(acc.complete()).isFalse();
    acc.done();
    assertThat(acc.complete()).isTrue();
  }

  @Test
  void toolCallsAreAssembledPerIndexAndOtherChoicesIgnored() {
    StreamAccumulator acc = new StreamAccumulator();
    accept(acc, ("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
        + "{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}},"
        + "{\"index\":1,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}},"
        + "{\"index\":1,\"delta\":{\"content\":\"other choice\"}}]}"));
    accept(acc, ("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"}\"}}]}}]}"));
    assertThat(acc.toolCalls()).containsExactly(new ToolCall("a", "function", "f", "{}"),
        new ToolCall("b", "function", "g", ""));
    assertThat(acc.content()).isEmpty();
  }

  @Test
  void anErrorChunkThrows() {
    StreamAccumulator acc = new StreamAccumulator();
    assertThatThrownBy(() -> accept(acc, ("{\"error\":{\"message\":\"boom\"}}")))
        .isInstanceOf(StreamAccumulator.StreamError.class).hasMessage("boom");
  }

  @Test
  void fieldsItDoesNotUseAreSkippedWhereverTheyAre() {
    StreamAccumulator acc = new StreamAccumulator();
    String added = accept(acc, "{\"id\":\"x\",\"provider\":{\"name\":\"p\",\"tags\":[1,{\"content\":\"no\"}]},"
        + "\"choices\":[{\"delta\":{\"role\":\"assistant\",\"extra\":{\"content\":\"no\"},\"content\":\"yes\"},"
        + "\"logprobs\":null,\"index\":0,\"finish_reason\":\"stop\"}],\"model\":\"m/answered\","
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}");
    assertThat(added).isEqualTo("yes");
    assertThat(acc.content()).isEqualTo("yes");
    assertThat(acc.respondingModel()).isEqualTo("m/answered");
    assertThat(acc.finishReason()).isEqualTo("stop");
    assertThat(acc.usage().totalTokens()).isEqualTo(5);
  }

  @Test
  void aChunkThatBreaksOffAddsNothingAndSaysItIsNotJson() {
    StreamAccumulator acc = new StreamAccumulator();
    assertThatThrownBy(() -> accept(acc, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lost\"}}],\"model\":"))
        .isInstanceOf(CompletionChunk.InvalidChunk.class);
    assertThat(acc.content()).isEmpty();
    assertThat(acc.started()).isFalse();
    assertThat(acc.respondingModel()).isNull();
  }
}
