package dev.fusion.common.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamAccumulatorTest {
  @Test
  void reasoningContentAsDeepSeekAndVllmNameItCountsAsTheFirstToken() {
    StreamAccumulator acc = new StreamAccumulator();
    acc.accept(("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}"));
    assertThat(acc.started()).isFalse();
    acc.accept(("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}"));
    assertThat(acc.started()).isTrue();
    assertThat(acc.sawContent()).isFalse();
    assertThat(acc.reasoning()).isEqualTo("hmm");
    assertThat(acc.complete()).isFalse();
  }

  @Test
  void aStreamIsCompleteOnlyWithAFinishReasonOrDone() {
    StreamAccumulator acc = new StreamAccumulator();
    assertThat(acc.accept(("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}"))).isEqualTo("Hel");
    assertThat(acc.complete()).isFalse();
    acc.done();
    assertThat(acc.complete()).isTrue();
  }

  @Test
  void toolCallsAreAssembledPerIndexAndOtherChoicesIgnored() {
    StreamAccumulator acc = new StreamAccumulator();
    acc.accept(("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
        + "{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}},"
        + "{\"index\":1,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}},"
        + "{\"index\":1,\"delta\":{\"content\":\"other choice\"}}]}"));
    acc.accept(("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"}\"}}]}}]}"));
    assertThat(acc.toolCalls()).containsExactly(new ToolCall("a", "function", "f", "{}"),
        new ToolCall("b", "function", "g", ""));
    assertThat(acc.content()).isEmpty();
  }

  @Test
  void anErrorChunkThrows() {
    StreamAccumulator acc = new StreamAccumulator();
    assertThatThrownBy(() -> acc.accept(("{\"error\":{\"message\":\"boom\"}}")))
        .isInstanceOf(StreamAccumulator.StreamError.class).hasMessage("boom");
  }

  @Test
  void fieldsItDoesNotUseAreSkippedWhereverTheyAre() {
    StreamAccumulator acc = new StreamAccumulator();
    String added = acc.accept("{\"id\":\"x\",\"provider\":{\"name\":\"p\",\"tags\":[1,{\"content\":\"no\"}]},"
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
    assertThatThrownBy(() -> acc.accept("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lost\"}}],\"model\":"))
        .isInstanceOf(StreamAccumulator.InvalidChunk.class);
    assertThat(acc.content()).isEmpty();
    assertThat(acc.started()).isFalse();
    assertThat(acc.respondingModel()).isNull();
  }
}
