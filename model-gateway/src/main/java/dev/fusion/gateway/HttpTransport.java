package dev.fusion.gateway;

import dev.fusion.common.Json;
import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.Provider;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The HTTP side of model calls: the process's connections to providers and one exchange at a time.
 * HTTP/1.1 connections are pooled in shards; providers marked {@code http2} share a few multiplexed
 * connections. An exchange is one attempt: {@code POST {base}/chat/completions} with the wire body,
 * bounded by the call timeout (and, for a stream, the first-token timeout), read whole or as a stream,
 * and every way it can fail classified ({@link FailureClassifier}). Retries, fallbacks and limits are
 * the caller's ({@code ModelGateway}).
 */
final class HttpTransport implements AutoCloseable {
  /** Marks inner calls so a Fusion endpoint reached by a panel model never deliberates again. */
  static final String DEPTH_HEADER = "x-fusion-depth";

  /** HTTP/2 connections per provider endpoint; each is served by one event loop. */
  private static final int HTTP2_CONNECTIONS = 4;
  private static final int HTTP2_CONNECTION_WINDOW = 64 * 1024 * 1024;
  private static final int HTTP2_STREAM_WINDOW = 1024 * 1024;

  /**
   * Vert.x's HTTP/1.1 pool finds a free connection by scanning every open one, so a single pool of
   * thousands costs thousands of checks per call under load (a third of the event loops' time at 450
   * jobs/s with 2,000 connections). The configured pool is split into shards of at most this many
   * connections, and calls take the shards in turn.
   */
  static final int HTTP1_SHARD_CONNECTIONS = 32;

  private final Vertx vertx;
  private final long callTimeoutMs;
  private final long firstTokenTimeoutMs;
  private final HttpClientAgent[] http;
  private final AtomicInteger nextShard = new AtomicInteger();
  private final HttpClientAgent http2;

  HttpTransport(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.callTimeoutMs = config.callTimeout().toMillis();
    this.firstTokenTimeoutMs = config.firstTokenTimeout().toMillis();
    int[] shardSizes = shardSizes(config.connectionPoolSize());
    this.http = new HttpClientAgent[shardSizes.length];
    for (int i = 0; i < shardSizes.length; i++) {
      http[i] = vertx.createHttpClient(
          new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(5_000),
          new PoolOptions().setHttp1MaxSize(shardSizes[i]).setMaxWaitQueueSize(-1));
    }
    // Providers marked http2 share a few multiplexed connections: thousands of calls in flight need
    // thousands of HTTP/1.1 connections, but only as many HTTP/2 streams.
    this.http2 = vertx.createHttpClient(
        new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false)
            .setUseAlpn(true).setTcpNoDelay(true).setConnectTimeout(5_000)
            // HTTP/2's default 64 KiB windows would make thousands of streams wait on WINDOW_UPDATEs.
            .setHttp2ConnectionWindowSize(HTTP2_CONNECTION_WINDOW)
            .setInitialSettings(new Http2Settings().setInitialWindowSize(HTTP2_STREAM_WINDOW)),
        new PoolOptions().setHttp2MaxSize(HTTP2_CONNECTIONS).setMaxWaitQueueSize(-1));
  }

  /** The configured pool spread over shards of at most {@link #HTTP1_SHARD_CONNECTIONS}, summing to it. */
  static int[] shardSizes(int poolSize) {
    int total = Math.max(1, poolSize);
    int shards = (total + HTTP1_SHARD_CONNECTIONS - 1) / HTTP1_SHARD_CONNECTIONS;
    int[] sizes = new int[shards];
    for (int i = 0; i < shards; i++) {
      sizes[i] = total / shards + (i < total % shards ? 1 : 0);
    }
    return sizes;
  }

  private HttpClientAgent http1() {
    return http[Math.floorMod(nextShard.getAndIncrement(), http.length)];
  }

  /**
   * One attempt at {@code model} through {@code provider}: a stream when {@code onDelta} is set (content
   * text goes to it as it arrives, on an event loop). Fails with an {@link AttemptFailure}.
   */
  Future<ChatResult> exchange(Provider provider, String model, ChatRequest request, Consumer<String> onDelta) {
    if (Vertx.currentContext() == null) {
      // Called from a consumer thread (or a completion on one): start the exchange on an event loop.
      // Vert.x 5.0.7 can drop a response's end when body() is called from another thread after the
      // response already ended (eclipse-vertx/vert.x#6038): the call then hangs until its timeout. On
      // a context, the listeners below are attached before any response event of this request runs.
      Promise<ChatResult> onLoop = Promise.promise();
      vertx.runOnContext(v -> exchangeOnContext(provider, model, request, onDelta).onComplete(onLoop));
      return onLoop.future();
    }
    return exchangeOnContext(provider, model, request, onDelta);
  }

  private Future<ChatResult> exchangeOnContext(Provider provider, String model, ChatRequest request,
      Consumer<String> onDelta) {
    boolean stream = onDelta != null;
    Buffer body = Buffer.buffer(Json.toBytes(WireFormat.requestBody(provider, model, request, stream)));
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(provider.baseUrl() + "/chat/completions")
        .putHeader("content-type", "application/json")
        .putHeader("accept", stream ? "text/event-stream" : "application/json")
        .putHeader(DEPTH_HEADER, "1").putHeader("x-openrouter-fusion-depth", "1");
    provider.headers().forEach(options::putHeader);
    if (provider.apiKey() != null && !provider.apiKey().isBlank()) {
      options.putHeader("authorization", "Bearer " + provider.apiKey());
    }
    Promise<ChatResult> promise = Promise.promise();
    long started = MonotonicClock.nowMs();
    CompletionStream completion = stream ? new CompletionStream(model, onDelta, promise, started) : null;
    long timer = vertx.setTimer(callTimeoutMs, t -> promise.tryFail(FailureClassifier.noCompleteAnswer(model,
        callTimeoutMs, completion != null && completion.sawContent())));
    long firstTokenTimer = stream && firstTokenTimeoutMs > 0 && firstTokenTimeoutMs < callTimeoutMs
        ? vertx.setTimer(firstTokenTimeoutMs, t -> {
          if (!completion.started()) {
            promise.tryFail(FailureClassifier.noFirstToken(model, firstTokenTimeoutMs));
          }
        })
        : -1;
    requestOn(provider.http2() ? http2 : http1(), options)
        .compose(req -> {
          promise.future().onFailure(e -> req.reset());
          return req.send(body);
        })
        .onFailure(e -> promise.tryFail(FailureClassifier.of(e, provider)))
        .onSuccess(response -> {
          if (response.statusCode() != 200) {
            response.body().onComplete(b -> promise.tryFail(FailureClassifier.http(provider, response.statusCode(),
                response.getHeader("retry-after"), WireFormat.errorMessage(b.succeeded() ? b.result().getBytes() : null))));
          } else if (stream) {
            read(response, completion);
          } else {
            response.body()
                .onFailure(e -> promise.tryFail(FailureClassifier.responseBrokeOff(model, provider, e)))
                .onSuccess(b -> {
                  try {
                    promise.tryComplete(WireFormat.parseCompletion(model, b.getBytes(), started));
                  } catch (AttemptFailure f) {
                    promise.tryFail(f);
                  }
                });
          }
        });
    return promise.future().onComplete(x -> {
      vertx.cancelTimer(timer);
      if (firstTokenTimer >= 0) {
        vertx.cancelTimer(firstTokenTimer);
      }
    });
  }

  private static void read(HttpClientResponse response, CompletionStream completion) {
    response.handler(buf -> completion.feed(buf.getBytes()));
    response.exceptionHandler(completion::brokeOff);
    response.endHandler(v -> completion.end());
  }

  /**
   * The client's request, or a failed future where the client throws instead (it does once closed: a
   * retry whose timer fires while the gateway shuts down must fail its call, not the event loop).
   */
  private static Future<HttpClientRequest> requestOn(HttpClientAgent client, RequestOptions options) {
    try {
      return client.request(options);
    } catch (IllegalStateException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public void close() {
    for (HttpClientAgent shard : http) {
      shard.close();
    }
    http2.close();
  }
}
