package dev.fusion.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.config.Price;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.Usage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model call in Fusion goes through here: OpenAI-compatible {@code POST {base}/chat/completions},
 * non-streaming or SSE streaming. Per call: the provider is chosen by model-ID prefix; each attempt
 * waits for the process-wide limits ({@link Admission}); a per-attempt timeout (and a first-token
 * timeout for streams); one retry loop with exponential backoff and jitter that honours
 * {@code Retry-After}, where a 429 cools the whole provider down; then the model's fallbacks in order;
 * typed failures; cost from the provider or the price table. Safe to share across a process.
 */
public final class ModelGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelGateway.class);
  /** Marks inner calls so a Fusion endpoint reached by a panel model never deliberates again. */
  public static final String DEPTH_HEADER = "x-fusion-depth";

  private final Vertx vertx;
  private final GatewayConfig config;
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

  private final HttpClientAgent[] http;
  private final AtomicInteger nextShard = new AtomicInteger();
  private final HttpClientAgent http2;
  private final Admission admission;

  public ModelGateway(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.config = config;
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
            .setInitialSettings(new io.vertx.core.http.Http2Settings().setInitialWindowSize(HTTP2_STREAM_WINDOW)),
        new PoolOptions().setHttp2MaxSize(HTTP2_CONNECTIONS).setMaxWaitQueueSize(-1));
    this.admission = new Admission(vertx, config.queueLimit());
  }

  /**
   * The gateway of a process: one per {@link StageContext}, shared by its stages (so the limits are the
   * process's), made on first use and closed with the context.
   */
  public static ModelGateway of(StageContext ctx) {
    return ctx.shared(ModelGateway.class, c -> new ModelGateway(c.vertx(), c.config().gateway()));
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

  public GatewayConfig config() {
    return config;
  }

  /** A non-streaming completion. */
  public Future<ChatResult> chat(ChatRequest request) {
    return call(request, null);
  }

  /** A streaming completion; {@code onDelta} receives content text as it arrives (on an event loop). */
  public Future<ChatResult> chatStream(ChatRequest request, Consumer<String> onDelta) {
    return call(request, onDelta);
  }

  /**
   * True while more calls wait for a provider or model limit than the configured threshold: the Kafka
   * workers pause their partitions on it, so the backlog stays in Kafka instead of in memory.
   */
  public boolean saturated() {
    return admission.waiting() > config.saturationThreshold();
  }

  /** Calls waiting for a concurrency cap, a rate limit or a cool-down. */
  public int waiting() {
    return admission.waiting();
  }

  /** Per provider: calls in flight, the peak, the cap, the end of any cool-down, calls admitted. */
  public Map<String, LimitStats> providerStats() {
    return admission.providerStats();
  }

  /** The same, per model that has its own limit. */
  public Map<String, LimitStats> modelStats() {
    return admission.modelStats();
  }

  // ------------------------------------------------------------------ fallbacks

  private Future<ChatResult> call(ChatRequest request, Consumer<String> onDelta) {
    List<String> chain = new ArrayList<>();
    chain.add(request.model());
    for (String f : config.modelSettings(request.model()).fallbacks()) {
      if (!chain.contains(f)) {
        chain.add(f);
      }
    }
    Promise<ChatResult> result = Promise.promise();
    CallState state = new CallState(request, onDelta, MonotonicClock.nowMs());
    tryModel(state, chain, 0, null, result);
    return result.future();
  }

  private void tryModel(CallState state, List<String> chain, int index, ModelCallException first,
      Promise<ChatResult> result) {
    String model = chain.get(index);
    withRetries(state, model).onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(ar.result());
        return;
      }
      ModelCallException failure = (ModelCallException) ar.cause();
      ModelCallException primary = first == null ? failure : first;
      // A stream that already delivered text cannot switch models without the caller seeing both.
      if (index + 1 < chain.size() && !state.streamedSomething) {
        LOG.debug("{} failed ({}); falling back to {}", model, failure.reason(), chain.get(index + 1));
        tryModel(state, chain, index + 1, primary, result);
        return;
      }
      String message = chain.size() == 1 ? failure.getMessage()
          : failure.getMessage() + " (after trying " + String.join(", ", chain.subList(0, index + 1)) + ")";
      // The primary model's reason is the one users configured for; the message names every model tried.
      result.fail(new ModelCallException(state.request.model(), primary.reason(), primary.status(), message,
          state.history));
    });
  }

  // ------------------------------------------------------------------ retries

  /** Per call: the attempts so far (across fallbacks) and whether text already reached the caller. */
  private static final class CallState {
    final ChatRequest request;
    final Consumer<String> onDelta;
    final long startedAtMs;
    final List<AttemptRecord> history = new ArrayList<>();
    boolean streamedSomething;

    CallState(ChatRequest request, Consumer<String> onDelta, long startedAtMs) {
      this.request = request;
      this.onDelta = onDelta;
      this.startedAtMs = startedAtMs;
    }

    synchronized void record(AttemptRecord r) {
      history.add(r);
    }
  }

  private Future<ChatResult> withRetries(CallState state, String model) {
    Provider provider = config.providerFor(model);
    if (provider == null) {
      return Future.failedFuture(new ModelCallException(model, FailureReasons.NO_PROVIDER, null,
          "no provider configured for model '" + model + "'", state.history));
    }
    Promise<ChatResult> result = Promise.promise();
    attemptLoop(state, provider, model, 1, result);
    return result.future();
  }

  private void attemptLoop(CallState state, Provider provider, String model, int attempt, Promise<ChatResult> result) {
    ModelSettings settings = config.modelSettings(model);
    long queuedAt = MonotonicClock.nowMs();
    admission.acquire(provider, modelKey(model), settings).onComplete(admitted -> {
      if (admitted.failed()) {
        state.record(new AttemptRecord(model, attempt, queuedAt, queuedAt, MonotonicClock.nowMs(),
            FailureReasons.RATE_LIMITED, null, 0));
        result.fail(new ModelCallException(model, FailureReasons.RATE_LIMITED, null,
            admitted.cause().getMessage(), state.history));
        return;
      }
      Admission.Ticket ticket = admitted.result();
      long sentAt = MonotonicClock.nowMs();
      attempt(provider, model, state).onComplete(ar -> {
        // Ended before the next waiter is let in, so the recorded intervals never overlap beyond the cap.
        long endedAt = MonotonicClock.nowMs();
        ticket.release();
        if (ar.succeeded()) {
          state.record(new AttemptRecord(model, attempt, queuedAt, sentAt, endedAt, AttemptRecord.OK, 200, 0));
          ChatResult r = ar.result();
          result.complete(new ChatResult(state.request.model(), r.respondingModel(), r.content(), r.reasoning(),
              r.toolCalls(), r.finishReason(), priced(model, r.respondingModel(), r.usage()), state.history,
              endedAt - state.startedAtMs));
          return;
        }
        AttemptFailure failure = AttemptFailure.of(ar.cause(), provider);
        state.record(new AttemptRecord(model, attempt, queuedAt, sentAt, endedAt, failure.reason, failure.status,
            failure.retryAfterMs));
        if (failure.streamedSomething) {
          state.streamedSomething = true;
        }
        // A stream that already delivered text cannot be retried without the caller seeing it twice.
        boolean canRetry = failure.retriable && attempt < config.maxAttempts() && !state.streamedSomething;
        long delay = canRetry || FailureReasons.RATE_LIMITED.equals(failure.reason)
            ? backoffMs(attempt, failure.retryAfterMs) : 0;
        if (FailureReasons.RATE_LIMITED.equals(failure.reason)) {
          // The provider is pushing back: every call to it waits, not just this one.
          admission.coolDown(provider.name(), endedAt + delay);
        }
        if (!canRetry) {
          result.fail(new ModelCallException(model, failure.reason, failure.status, failure.message, state.history));
          return;
        }
        LOG.debug("{} attempt {} failed ({}), retrying in {} ms", model, attempt, failure.reason, delay);
        vertx.setTimer(Math.max(1, delay), t -> attemptLoop(state, provider, model, attempt + 1, result));
      });
    });
  }

  /** Limits and prices of simulated models apply to the ID without its {@code ;options}. */
  private static String modelKey(String model) {
    int semi = model.indexOf(';');
    return semi > 0 ? model.substring(0, semi) : model;
  }

  /** The provider's cost when it reported one (OpenRouter), else the price table's, else unknown. */
  Usage priced(String model, String respondingModel, Usage usage) {
    if (usage.costUsd() != null) {
      return usage;
    }
    Price price = config.modelSettings(model).price();
    if (price == null && respondingModel != null) {
      price = config.modelSettings(respondingModel).price();
    }
    if (price == null) {
      return usage;
    }
    return new Usage(usage.promptTokens(), usage.completionTokens(), usage.reasoningTokens(), price.costOf(usage));
  }

  long backoffMs(int attempt, long retryAfterMs) {
    if (retryAfterMs > 0) {
      return Math.min(retryAfterMs, config.maxBackoff().toMillis());
    }
    long exp = config.baseBackoff().toMillis() * (1L << Math.min(attempt - 1, 16));
    long capped = Math.max(1, Math.min(exp, config.maxBackoff().toMillis()));
    // Jitter spreads the retries of many callers hit by the same outage.
    return ThreadLocalRandom.current().nextLong(capped / 2, capped + 1);
  }

  // ------------------------------------------------------------------ one attempt

  private Future<ChatResult> attempt(Provider provider, String model, CallState state) {
    if (Vertx.currentContext() == null) {
      // Called from a consumer thread (or a completion on one): start the exchange on an event loop.
      // Vert.x 5.0.7 can drop a response's end when body() is called from another thread after the
      // response already ended (eclipse-vertx/vert.x#6038): the call then hangs until its timeout. On
      // a context, the listeners below are attached before any response event of this request runs.
      Promise<ChatResult> onLoop = Promise.promise();
      vertx.runOnContext(v -> attemptOnContext(provider, model, state).onComplete(onLoop));
      return onLoop.future();
    }
    return attemptOnContext(provider, model, state);
  }

  private Future<ChatResult> attemptOnContext(Provider provider, String model, CallState state) {
    boolean stream = state.onDelta != null;
    Buffer body = Buffer.buffer(Json.toBytes(wireBody(provider, model, state.request, stream)));
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(provider.baseUrl() + "/chat/completions")
        .putHeader("content-type", "application/json")
        .putHeader("accept", stream ? "text/event-stream" : "application/json")
        .putHeader(DEPTH_HEADER, "1");
    provider.headers().forEach(options::putHeader);
    if (provider.apiKey() != null && !provider.apiKey().isBlank()) {
      options.putHeader("authorization", "Bearer " + provider.apiKey());
    }
    Promise<ChatResult> promise = Promise.promise();
    long started = MonotonicClock.nowMs();
    StreamAccumulator acc = new StreamAccumulator();
    long timeoutMs = config.callTimeout().toMillis();
    long timer = vertx.setTimer(timeoutMs, t -> promise.tryFail(new AttemptFailure(FailureReasons.TIMEOUT, null,
        "no complete answer from " + model + " within " + timeoutMs + " ms", true, 0, acc.sawContent())));
    long firstTokenMs = config.firstTokenTimeout().toMillis();
    long firstTokenTimer = stream && firstTokenMs > 0 && firstTokenMs < timeoutMs
        ? vertx.setTimer(firstTokenMs, t -> {
          if (!acc.started()) {
            promise.tryFail(new AttemptFailure(FailureReasons.TIMEOUT, null,
                "no first token from " + model + " within " + firstTokenMs + " ms", true, 0, false));
          }
        })
        : -1;
    requestOn(provider.http2() ? http2 : http1(), options)
        .compose(req -> {
          promise.future().onFailure(e -> req.reset());
          return req.send(body);
        })
        .onFailure(e -> promise.tryFail(connectionFailure(e, provider)))
        .onSuccess(response -> {
          if (response.statusCode() != 200) {
            response.body().onComplete(b -> promise.tryFail(
                httpFailure(provider, response, b.succeeded() ? b.result() : null)));
          } else if (stream) {
            readStream(model, response, acc, state.onDelta, promise, started);
          } else {
            response.body()
                .onFailure(e -> promise.tryFail(new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
                    "response of " + model + " broke off: " + provider.redact(String.valueOf(e.getMessage())), true,
                    0, false)))
                .onSuccess(b -> {
                  try {
                    promise.tryComplete(parseCompletion(model, b, started));
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

  private ObjectNode wireBody(Provider provider, String model, ChatRequest request, boolean stream) {
    // Provider-specific fields (plugins, provider, reasoning, ...) pass through; ours win on conflict.
    ObjectNode body = request.extra() == null ? Json.object() : request.extra().deepCopy();
    body.put("model", provider.wireModel(model));
    if (request.wireMessages() != null) {
      body.set("messages", request.wireMessages().deepCopy());
    } else {
      ArrayNode messages = body.putArray("messages");
      for (ChatMessage m : request.messages()) {
        messages.addObject().put("role", m.role()).put("content", m.content());
      }
    }
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    if (request.maxCompletionTokens() != null) {
      body.put("max_completion_tokens", request.maxCompletionTokens());
    }
    if (request.responseFormat() != null) {
      body.set("response_format", request.responseFormat());
    }
    if (provider.usageAccounting() && !body.has("usage")) {
      body.putObject("usage").put("include", true);
    }
    if (stream) {
      body.put("stream", true);
      body.putObject("stream_options").put("include_usage", true);
    }
    return body;
  }

  private static final byte[] DONE = "[DONE]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Whether a stream payload is the {@code [DONE]} marker, white space around it allowed. */
  static boolean isDone(byte[] buf, int from, int to) {
    while (from < to && (buf[from] & 0xff) <= ' ') {
      from++;
    }
    while (to > from && (buf[to - 1] & 0xff) <= ' ') {
      to--;
    }
    return java.util.Arrays.equals(buf, from, to, DONE, 0, DONE.length);
  }

  static ChatResult parseCompletion(String model, Buffer body, long started) {
    StreamAccumulator.Chunk completion;
    try {
      completion = StreamAccumulator.Chunk.read(body.getBytes());
    } catch (StreamAccumulator.InvalidChunk e) {
      throw new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200, "response of " + model
          + " is not valid JSON", true, 0, false);
    }
    if (!completion.object) {
      throw new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200, "response of " + model
          + " is not a JSON object", true, 0, false);
    }
    if (completion.error != null) {
      JsonNode error = completion.error;
      throw new AttemptFailure(FailureReasons.UPSTREAM_ERROR, 200, "response of " + model + " is an error: "
          + truncate(error.path("message").asText(error.asText()), 300), true, 0, false);
    }
    if (completion.choices.isEmpty()) {
      throw new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200, "response of " + model
          + " has no choices", true, 0, false);
    }
    StreamAccumulator.Choice choice = completion.choices.get(0);
    List<ToolCall> calls = new ArrayList<>();
    if (choice.toolCalls != null) {
      for (JsonNode c : choice.toolCalls) {
        calls.add(new ToolCall(c.path("id").asText(null), c.path("type").asText("function"),
            c.path("function").path("name").asText(null), c.path("function").path("arguments").asText("")));
      }
    }
    return new ChatResult(model, completion.model != null ? completion.model : model, choice.content,
        choice.reasoning(), calls, choice.finishReason, usageOf(completion.usage), List.of(),
        MonotonicClock.nowMs() - started);
  }

  private void readStream(String model, HttpClientResponse response, StreamAccumulator acc, Consumer<String> onDelta,
      Promise<ChatResult> promise, long started) {
    SseParser parser = new SseParser((buf, from, to) -> {
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
      } catch (StreamAccumulator.InvalidChunk e) {
        promise.tryFail(new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200,
            "stream of " + model + " carried a chunk that is not valid JSON", true, 0, acc.sawContent()));
      } catch (StreamAccumulator.StreamError e) {
        promise.tryFail(new AttemptFailure(FailureReasons.UPSTREAM_ERROR, 200,
            "stream of " + model + " reported an error: " + truncate(e.getMessage(), 300), true, 0, acc.sawContent()));
      }
    });
    response.handler(buf -> parser.feed(buf.getBytes()));
    response.exceptionHandler(e -> promise.tryFail(new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
        "stream of " + model + " broke off: " + e.getMessage(), true, 0, acc.sawContent())));
    response.endHandler(v -> {
      if (!acc.complete()) {
        promise.tryFail(new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
            "stream of " + model + " ended before it finished", true, 0, acc.sawContent()));
        return;
      }
      promise.tryComplete(new ChatResult(model, acc.respondingModel() == null ? model : acc.respondingModel(),
          acc.content(), acc.reasoning(), acc.toolCalls(), acc.finishReason(), acc.usage(), List.of(),
          MonotonicClock.nowMs() - started));
    });
  }

  static Usage usageOf(JsonNode usage) {
    if (usage == null || usage.isMissingNode() || usage.isNull()) {
      return Usage.ZERO;
    }
    JsonNode cost = usage.get("cost");
    return new Usage(usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0),
        usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0),
        cost != null && cost.isNumber() ? cost.asDouble() : null);
  }

  private static AttemptFailure connectionFailure(Throwable e, Provider provider) {
    if (e instanceof AttemptFailure f) {
      return f;
    }
    String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new AttemptFailure(FailureReasons.CONNECTION_ERROR, null,
        "connection to " + provider.name() + " failed: " + provider.redact(detail), true, 0, false);
  }

  private static AttemptFailure httpFailure(Provider provider, HttpClientResponse response, Buffer body) {
    int status = response.statusCode();
    String upstream = "";
    if (body != null) {
      try {
        upstream = Json.MAPPER.readTree(body.getBytes()).path("error").path("message").asText("");
      } catch (Exception ignored) {
        // A non-JSON error body says nothing more than its status.
      }
    }
    // Some servers echo the request (headers included) in their errors: never pass the key on.
    String message = "HTTP " + status + " from " + provider.name()
        + (upstream.isEmpty() ? "" : ": " + truncate(provider.redact(upstream), 300));
    long retryAfterMs = parseRetryAfter(response.getHeader("retry-after"));
    return switch (status) {
      case 429 -> new AttemptFailure(FailureReasons.RATE_LIMITED, status, message, true, retryAfterMs, false);
      case 400, 422 -> new AttemptFailure(FailureReasons.BAD_REQUEST, status, message, false, 0, false);
      case 401, 403 -> new AttemptFailure(FailureReasons.AUTH_FAILED, status, message, false, 0, false);
      case 402 -> new AttemptFailure(FailureReasons.INSUFFICIENT_CREDITS, status, message, false, 0, false);
      case 404 -> new AttemptFailure(FailureReasons.MODEL_NOT_FOUND, status, message, false, 0, false);
      case 408 -> new AttemptFailure(FailureReasons.TIMEOUT, status, message, true, retryAfterMs, false);
      default -> new AttemptFailure(FailureReasons.UPSTREAM_ERROR, status, message, status >= 500, retryAfterMs, false);
    };
  }

  static long parseRetryAfter(String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(header.trim()) * 1000));
    } catch (NumberFormatException e) {
      try {
        var when = java.time.ZonedDateTime.parse(header.trim(), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, when.toInstant().toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException unparseable) {
        return 0;
      }
    }
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }

  @Override
  public void close() {
    for (HttpClientAgent shard : http) {
      shard.close();
    }
    http2.close();
  }

  /** One attempt's failure, classified: retriable or not, and how long the provider asked us to wait. */
  static final class AttemptFailure extends RuntimeException {
    final String reason;
    final Integer status;
    final String message;
    final boolean retriable;
    final long retryAfterMs;
    final boolean streamedSomething;

    AttemptFailure(String reason, Integer status, String message, boolean retriable, long retryAfterMs,
        boolean streamedSomething) {
      super(message, null, false, false);
      this.reason = reason;
      this.status = status;
      this.message = message;
      this.retriable = retriable;
      this.retryAfterMs = retryAfterMs;
      this.streamedSomething = streamedSomething;
    }

    static AttemptFailure of(Throwable e, Provider provider) {
      return e instanceof AttemptFailure f ? f : connectionFailure(e, provider);
    }
  }
}
