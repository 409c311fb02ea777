package dev.fusion.common.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.Usage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model call in Fusion goes through here: OpenAI-compatible {@code POST {base}/chat/completions},
 * non-streaming or SSE streaming, with a per-call timeout, one retry loop (exponential backoff with
 * jitter, honouring {@code Retry-After}) and typed failures. Safe to share across a process.
 */
public final class ModelGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelGateway.class);
  /** Marks inner calls so a Fusion endpoint reached by a panel model never deliberates again. */
  public static final String DEPTH_HEADER = "x-fusion-depth";

  private final Vertx vertx;
  private final GatewayConfig config;
  private final HttpClientAgent http;

  public ModelGateway(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.http = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(5_000),
        new PoolOptions().setHttp1MaxSize(config.connectionPoolSize()).setMaxWaitQueueSize(-1));
  }

  public GatewayConfig config() {
    return config;
  }

  /** A non-streaming completion. */
  public Future<ChatResult> chat(ChatRequest request) {
    return withRetries(request, null);
  }

  /** A streaming completion; {@code onDelta} receives content text as it arrives (on an event loop). */
  public Future<ChatResult> chatStream(ChatRequest request, Consumer<String> onDelta) {
    return withRetries(request, onDelta);
  }

  /** True when a model's provider can take no more calls right now; workers pause on it. */
  public boolean saturated() {
    return false;
  }

  private Future<ChatResult> withRetries(ChatRequest request, Consumer<String> onDelta) {
    Provider provider = config.providerFor(request.model());
    if (provider == null) {
      return Future.failedFuture(new ModelCallException(request.model(), FailureReasons.NO_PROVIDER, null,
          "no provider configured for model '" + request.model() + "'", 0));
    }
    Promise<ChatResult> result = Promise.promise();
    long startedAt = System.currentTimeMillis();
    attemptLoop(provider, request, onDelta, 1, startedAt, result);
    return result.future();
  }

  private void attemptLoop(Provider provider, ChatRequest request, Consumer<String> onDelta, int attempt,
      long startedAt, Promise<ChatResult> result) {
    attempt(provider, request, onDelta, attempt).onComplete(ar -> {
      if (ar.succeeded()) {
        ChatResult r = ar.result();
        result.complete(new ChatResult(r.requestedModel(), r.respondingModel(), r.content(), r.finishReason(),
            r.usage(), attempt, System.currentTimeMillis() - startedAt));
        return;
      }
      AttemptFailure failure = AttemptFailure.of(ar.cause());
      // A stream that already delivered text cannot be retried without the caller seeing it twice.
      boolean canRetry = failure.retriable && attempt < config.maxAttempts() && !failure.streamedSomething;
      if (!canRetry) {
        result.fail(new ModelCallException(request.model(), failure.reason, failure.status, failure.message, attempt));
        return;
      }
      long delay = backoffMs(attempt, failure.retryAfterMs);
      LOG.debug("{} attempt {} failed ({}), retrying in {} ms", request.model(), attempt, failure.reason, delay);
      vertx.setTimer(Math.max(1, delay), t -> attemptLoop(provider, request, onDelta, attempt + 1, startedAt, result));
    });
  }

  long backoffMs(int attempt, long retryAfterMs) {
    if (retryAfterMs > 0) {
      return Math.min(retryAfterMs, config.maxBackoff().toMillis());
    }
    long exp = config.baseBackoff().toMillis() * (1L << Math.min(attempt - 1, 16));
    long capped = Math.min(exp, config.maxBackoff().toMillis());
    // Full jitter: spreads retries of many callers hit by the same outage.
    return ThreadLocalRandom.current().nextLong(capped / 2, capped + 1);
  }

  private Future<ChatResult> attempt(Provider provider, ChatRequest request, Consumer<String> onDelta, int attempt) {
    boolean stream = onDelta != null;
    Buffer body = Buffer.buffer(Json.toBytes(wireBody(provider, request, stream)));
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(provider.baseUrl() + "/chat/completions")
        .putHeader("content-type", "application/json")
        .putHeader("accept", stream ? "text/event-stream" : "application/json")
        .putHeader(DEPTH_HEADER, "1");
    if (provider.apiKey() != null && !provider.apiKey().isBlank()) {
      options.putHeader("authorization", "Bearer " + provider.apiKey());
    }
    Promise<ChatResult> promise = Promise.promise();
    long started = System.currentTimeMillis();
    StreamState state = new StreamState(onDelta);
    long timeoutMs = config.callTimeout().toMillis();
    long timer = vertx.setTimer(timeoutMs, t -> promise.tryFail(new AttemptFailure(FailureReasons.TIMEOUT, null,
        "no complete answer from " + request.model() + " within " + timeoutMs + " ms", true, 0, state.sawContent())));
    http.request(options)
        .compose(req -> {
          promise.future().onFailure(e -> req.reset());
          return req.send(body);
        })
        .onFailure(e -> promise.tryFail(connectionFailure(e)))
        .onSuccess(response -> {
          if (response.statusCode() != 200) {
            response.body().onComplete(b -> promise.tryFail(httpFailure(response, b.succeeded() ? b.result() : null)));
          } else if (stream) {
            readStream(request, response, state, promise, started);
          } else {
            response.body()
                .onFailure(e -> promise.tryFail(connectionFailure(e)))
                .onSuccess(b -> {
                  try {
                    promise.tryComplete(parseCompletion(request, b, started));
                  } catch (AttemptFailure f) {
                    promise.tryFail(f);
                  }
                });
          }
        });
    return promise.future().onComplete(x -> vertx.cancelTimer(timer));
  }

  private ObjectNode wireBody(Provider provider, ChatRequest request, boolean stream) {
    ObjectNode body = request.extra() == null ? Json.object() : request.extra().deepCopy();
    body.put("model", provider.wireModel(request.model()));
    ArrayNode messages = body.putArray("messages");
    for (ChatMessage m : request.messages()) {
      messages.addObject().put("role", m.role()).put("content", m.content());
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
    if (stream) {
      body.put("stream", true);
      body.putObject("stream_options").put("include_usage", true);
    }
    return body;
  }

  private ChatResult parseCompletion(ChatRequest request, Buffer body, long started) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body.getBytes());
    } catch (Exception e) {
      throw new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200, "response of " + request.model()
          + " is not valid JSON", true, 0, false);
    }
    JsonNode choice = root.path("choices").path(0);
    JsonNode content = choice.path("message").path("content");
    if (choice.isMissingNode()) {
      throw new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200, "response of " + request.model()
          + " has no choices", true, 0, false);
    }
    return new ChatResult(request.model(), root.path("model").asText(request.model()),
        content.isNull() ? "" : content.asText(""), choice.path("finish_reason").asText(null),
        usageOf(root.path("usage")), 1, System.currentTimeMillis() - started);
  }

  private void readStream(ChatRequest request, HttpClientResponse response, StreamState state,
      Promise<ChatResult> promise, long started) {
    SseParser parser = new SseParser(data -> {
      if (promise.future().isComplete()) {
        return;
      }
      if ("[DONE]".equals(data.trim())) {
        state.done = true;
        return;
      }
      JsonNode chunk;
      try {
        chunk = Json.MAPPER.readTree(data);
      } catch (Exception e) {
        promise.tryFail(new AttemptFailure(FailureReasons.INVALID_RESPONSE, 200,
            "stream of " + request.model() + " carried a chunk that is not valid JSON", true, 0, state.sawContent()));
        return;
      }
      if (chunk.hasNonNull("error")) {
        promise.tryFail(new AttemptFailure(FailureReasons.UPSTREAM_ERROR, 200,
            "stream of " + request.model() + " reported an error: " + chunk.path("error").path("message").asText(),
            true, 0, state.sawContent()));
        return;
      }
      if (chunk.hasNonNull("model")) {
        state.respondingModel = chunk.get("model").asText();
      }
      JsonNode choice = chunk.path("choices").path(0);
      String delta = choice.path("delta").path("content").asText("");
      if (!delta.isEmpty()) {
        state.content.append(delta);
        state.onDelta.accept(delta);
      }
      if (choice.hasNonNull("finish_reason")) {
        state.finishReason = choice.get("finish_reason").asText();
      }
      if (chunk.hasNonNull("usage")) {
        state.usage = usageOf(chunk.get("usage"));
      }
    });
    response.handler(buf -> parser.feed(buf.getBytes()));
    response.exceptionHandler(e -> promise.tryFail(new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
        "stream of " + request.model() + " broke off: " + e.getMessage(), true, 0, state.sawContent())));
    response.endHandler(v -> {
      if (!state.done && state.finishReason == null) {
        promise.tryFail(new AttemptFailure(FailureReasons.TRUNCATED_STREAM, 200,
            "stream of " + request.model() + " ended before it finished", true, 0, state.sawContent()));
        return;
      }
      promise.tryComplete(new ChatResult(request.model(),
          state.respondingModel == null ? request.model() : state.respondingModel, state.content.toString(),
          state.finishReason, state.usage == null ? Usage.ZERO : state.usage, 1,
          System.currentTimeMillis() - started));
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

  private static AttemptFailure connectionFailure(Throwable e) {
    if (e instanceof AttemptFailure f) {
      return f;
    }
    return new AttemptFailure(FailureReasons.CONNECTION_ERROR, null,
        "connection failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), true, 0, false);
  }

  private static AttemptFailure httpFailure(HttpClientResponse response, Buffer body) {
    int status = response.statusCode();
    String upstream = "";
    if (body != null) {
      try {
        upstream = Json.MAPPER.readTree(body.getBytes()).path("error").path("message").asText("");
      } catch (Exception ignored) {
        // A non-JSON error body says nothing more than its status.
      }
    }
    String message = "HTTP " + status + (upstream.isEmpty() ? "" : ": " + truncate(upstream, 300));
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
      return (long) (Double.parseDouble(header.trim()) * 1000);
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
    http.close();
  }

  private static final class StreamState {
    final Consumer<String> onDelta;
    final StringBuilder content = new StringBuilder();
    String respondingModel;
    String finishReason;
    Usage usage;
    boolean done;

    StreamState(Consumer<String> onDelta) {
      this.onDelta = onDelta;
    }

    boolean sawContent() {
      return content.length() > 0;
    }
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

    static AttemptFailure of(Throwable e) {
      return e instanceof AttemptFailure f ? f : connectionFailure(e);
    }
  }
}
