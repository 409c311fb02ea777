package dev.fusion.common.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.Json;
import org.junit.jupiter.api.Test;

class StreamAccumulatorTest {
  @Test
  void reasoningContentAsDeepSeekAndVllmNameItCountsAsTheFirstToken() {
    StreamAccumulator acc = new StreamAccumulator();
    acc.accept(Json.tree("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}"));
    assertThat(acc.started()).isFalse();
    acc.accept(Json.tree("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hmm\"}}]}"));
    assertThat(acc.started()).isTrue();
    assertThat(acc.sawContent()).isFalse();
    assertThat(acc.reasoning()).isEqualTo("hmm");
    assertThat(acc.complete()).isFalse();
  }

  @Test
  void aStreamIsCompleteOnlyWithAFinishReasonOrDone() {
    StreamAccumulator acc = new StreamAccumulator();
    assertThat(acc.accept(Json.tree("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}"))).isEqualTo("Hel");
    assertThat(acc.complete()).isFalse();
    acc.done();
    assertThat(acc.complete()).isTrue();
  }

  @Test
  void toolCallsAreAssembledPerIndexAndOtherChoicesIgnored() {
    StreamAccumulator acc = new StreamAccumulator();
    acc.accept(Json.tree("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
        + "{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}},"
        + "{\"index\":1,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]}},"
        + "{\"index\":1,\"delta\":{\"content\":\"other choice\"}}]}"));
    acc.accept(Json.tree("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"}\"}}]}}]}"));
    assertThat(acc.toolCalls()).containsExactly(new ToolCall("a", "function", "f", "{}"),
        new ToolCall("b", "function", "g", ""));
    assertThat(acc.content()).isEmpty();
  }

  @Test
  void anErrorChunkThrows() {
    StreamAccumulator acc = new StreamAccumulator();
    assertThatThrownBy(() -> acc.accept(Json.tree("{\"error\":{\"message\":\"boom\"}}")))
        .isInstanceOf(StreamAccumulator.StreamError.class).hasMessage("boom");
  }
}
