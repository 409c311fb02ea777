package dev.fusion.web;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import java.util.function.Predicate;

/**
 * One HTTP request whose answer is read up to a byte limit, and which its owner can abort (a deadline
 * passed). The body is read only when {@code wantBody} accepts the answer's status and headers; otherwise,
 * or once the limit is reached, the request is reset, which closes its HTTP/1.1 connection, so nothing more
 * is read. Used from one Vert.x context.
 */
final class BoundedExchange {
  /**
   * The answer's status and headers; {@code body} is null when it was not read, {@code cutShort} when the
   * limit stopped it.
   */
  record Answer(int status, MultiMap headers, Buffer body, boolean cutShort) {}

  private HttpClientRequest request;
  private boolean aborted;

  Future<Answer> send(HttpClient client, RequestOptions options, String body, long maxBytes,
      Predicate<HttpClientResponse> wantBody) {
    Promise<Answer> answer = Promise.promise();
    client.request(options).onComplete(made -> {
      if (made.failed()) {
        answer.tryFail(made.cause());
        return;
      }
      HttpClientRequest req = made.result();
      request = req;
      if (aborted) {
        req.reset();
        return;
      }
      Future<HttpClientResponse> sent = body == null ? req.send() : req.send(body);
      sent.onComplete(received -> {
        if (received.failed()) {
          answer.tryFail(received.cause());
          return;
        }
        HttpClientResponse resp = received.result();
        if (aborted) {
          resp.exceptionHandler(ignored -> { });
          req.reset();
          return;
        }
        if (!wantBody.test(resp)) {
          // Answered first: the reset reports the stream's end as an exception, which is ours, not a failure.
          answer.tryComplete(new Answer(resp.statusCode(), resp.headers(), null, false));
          resp.exceptionHandler(ignored -> { });
          req.reset();
          return;
        }
        Buffer read = Buffer.buffer();
        resp.handler(chunk -> {
          if (answer.future().isComplete()) {
            return;
          }
          long room = maxBytes - read.length();
          if (chunk.length() > room) {
            read.appendBuffer(chunk, 0, (int) room);
            answer.tryComplete(new Answer(resp.statusCode(), resp.headers(), read, true));
            req.reset();
          } else {
            read.appendBuffer(chunk);
          }
        });
        resp.exceptionHandler(answer::tryFail);
        resp.endHandler(v -> answer.tryComplete(new Answer(resp.statusCode(), resp.headers(), read, false)));
      });
    });
    return answer.future();
  }

  /** Stops the exchange: the request in flight, if any, is reset; its future is left to its owner's deadline. */
  void abort() {
    aborted = true;
    if (request != null) {
      request.reset();
    }
  }
}
