package dev.fusion.gateway;

import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads one streamed (SSE) completion into its attempt's promise: the bytes are split into {@code data:}
 * payloads ({@link SseParser}), each chunk is folded in ({@link StreamAccumulator}) and its new content
 * handed to {@code onDelta}; a chunk that is not JSON or reports an error fails the attempt, and so does
 * a stream that ends without a finish reason or {@code [DONE]}. Once the promise is complete (failed
 * here, or by a timeout) the rest of the stream is ignored. No I/O of its own: the transport feeds it.
 */
final class CompletionStream implements SseParser.DataHandler {
  private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

  private final String model;
  private final Consumer<String> onDelta;
  private final Promise<ChatResult> promise;
  private final long startedMs;
  private final StreamAccumulator acc = new StreamAccumulator();
  private final SseParser parser = new SseParser(this);

  /** {@code startedMs}: when the request was sent ({@link MonotonicClock}), for the result's latency. */
  CompletionStream(String model, Consumer<String> onDelta, Promise<ChatResult> promise, long startedMs) {
    this.model = model;
    this.onDelta = onDelta;
    this.promise = promise;
    this.startedMs = startedMs;
  }

  /** The next bytes of the response body, cut anywhere. */
  void feed(byte[] bytes) {
    parser.feed(bytes);
  }

  @Override
  public void onData(byte[] buf, int from, int to) {
    if (promise.future().isComplete()) {
      return;
    }
    if (isDone(buf, from, to)) {
      acc.done();
      return;
    }
    try {
      String delta = acc.accept(buf, from, to);
      if (!delta.isEmpty()) {
        onDelta.accept(delta);
      }
    } catch (CompletionChunk.InvalidChunk e) {
      promise.tryFail(FailureClassifier.invalidChunk(model, acc.sawContent()));
    } catch (StreamAccumulator.StreamError e) {
      promise.tryFail(FailureClassifier.streamError(model, e.getMessage(), acc.sawContent()));
    }
  }

  /** The response failed while it was being read. */
  void brokeOff(Throwable e) {
    promise.tryFail(FailureClassifier.streamBrokeOff(model, e, acc.sawContent()));
  }

  /** The response ended: the completion, if the stream said it was finished. */
  void end() {
    if (!acc.complete()) {
      promise.tryFail(FailureClassifier.streamEndedEarly(model, acc.sawContent()));
      return;
    }
    promise.tryComplete(new ChatResult(model, acc.respondingModel() == null ? model : acc.respondingModel(),
        acc.content(), acc.reasoning(), acc.toolCalls(), acc.finishReason(), acc.usage(), List.of(),
        MonotonicClock.nowMs() - startedMs));
  }

  /** True once any content, reasoning or tool-call delta arrived (the "first token"). */
  boolean started() {
    return acc.started();
  }

  /** True once content or a tool call reached the caller: the attempt can then be neither retried nor replaced. */
  boolean sawContent() {
    return acc.sawContent();
  }

  /** Whether a stream payload is the {@code [DONE]} marker, white space around it allowed. */
  static boolean isDone(byte[] buf, int from, int to) {
    while (from < to && (buf[from] & 0xff) <= ' ') {
      from++;
    }
    while (to > from && (buf[to - 1] & 0xff) <= ' ') {
      to--;
    }
    return Arrays.equals(buf, from, to, DONE, 0, DONE.length);
  }
}
