package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.contract.FailureReasons;
import io.vertx.core.Promise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A streamed completion read into its attempt's promise, from bytes as the transport hands them over. */
class CompletionStreamTest {
  private final Promise<ChatResult> promise = Promise.promise();
  private final List<String> deltas = new ArrayList<>();
  private final CompletionStream stream = new CompletionStream("sim/a", deltas::add, promise, 0);

  private void feed(String sse) {
    stream.feed(sse.getBytes(StandardCharsets.UTF_8));
  }

  private AttemptFailure failure() {
    assertThat(promise.future().failed()).isTrue();
    return (AttemptFailure) promise.future().cause();
  }

  @Test
  void aFinishedStreamCompletesWithItsTextModelAndUsage() {
    feed("data: {\"model\":\"sim/a-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n");
    feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n");
    assertThat(stream.started()).isTrue();
    stream.end();

    ChatResult r = promise.future().result();
    assertThat(deltas).containsExactly("Hel", "lo");
    assertThat(r.content()).isEqualTo("Hello");
    assertThat(r.respondingModel()).isEqualTo("sim/a-1");
    assertThat(r.requestedModel()).isEqualTo("sim/a");
    assertThat(r.finishReason()).isEqualTo("stop");
    assertThat(r.usage().totalTokens()).isEqualTo(5);
  }

  @Test
  void doneAloneFinishesAStream() {
    feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n");
    stream.end();

    assertThat(promise.future().result().respondingModel()).isEqualTo("sim/a");
  }

  @Test
  void aStreamThatEndsUnfinishedIsTruncatedAndSaysTextWasSeen() {
    feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"half\"}}]}\n\n");
    stream.end();

    assertThat(failure().reason).isEqualTo(FailureReasons.TRUNCATED_STREAM);
    assertThat(failure().message).isEqualTo("stream of sim/a ended before it finished");
    assertThat(failure().streamedSomething).isTrue();
  }

  @Test
  void aBrokenChunkFailsTheAttemptAndNothingAfterItCounts() {
    feed("data: {\"choices\":[\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}\n\n");
    stream.end();

    assertThat(failure().reason).isEqualTo(FailureReasons.INVALID_RESPONSE);
    assertThat(failure().streamedSomething).isFalse();
    assertThat(deltas).isEmpty();
  }

  @Test
  void anErrorChunkIsAnUpstreamError() {
    feed("data: {\"error\":{\"message\":\"overloaded\"}}\n\n");

    assertThat(failure().reason).isEqualTo(FailureReasons.UPSTREAM_ERROR);
    assertThat(failure().message).isEqualTo("stream of sim/a reported an error: overloaded");
  }

  @Test
  void aStreamThatBreaksOffIsTruncated() {
    stream.brokeOff(new IOException("reset"));

    assertThat(failure().reason).isEqualTo(FailureReasons.TRUNCATED_STREAM);
    assertThat(failure().message).isEqualTo("stream of sim/a broke off: reset");
  }

  @Test
  void onceTheAttemptIsOverTheRestOfTheStreamIsIgnored() {
    promise.tryFail(FailureClassifier.noFirstToken("sim/a", 10));
    feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"too late\"}}]}\n\n");

    assertThat(deltas).isEmpty();
    assertThat(stream.started()).isFalse();
    assertThat(failure().reason).isEqualTo(FailureReasons.TIMEOUT);
  }
}
