package dev.fusion.ingress.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.FusionTool;
import dev.fusion.gateway.ChatRequest;
import dev.fusion.gateway.ChatResult;
import dev.fusion.gateway.ModelCallException;
import dev.fusion.gateway.ModelGateway;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.http.SseWriter;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.jobs.Idempotency;
import dev.fusion.ingress.request.ChatCompletionRequests.ChatCall;
import dev.fusion.ingress.request.ChatCompletionRequests.ToolChoice;
import dev.fusion.ingress.request.ChatCompletionRequests;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.view.JobListener;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.ingress.wire.ChatCompletionResponses;
import dev.fusion.ingress.wire.JobObjects;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/chat/completions}: a fusion model (or a fusion tool) deliberates through the
 * pipeline; any other model, or fusion turned off ({@code enabled: false}), is a plain completion through
 * the model gateway. A finished job that did not complete is a 424 (a status the OpenAI SDKs do not
 * retry), and {@code Idempotency-Key} makes a retry join the job its first attempt started. Transport
 * only: parsing lives in {@link ChatCompletionRequests}, wire shapes in {@link ChatCompletionResponses}.
 */
public final class ChatCompletionsRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(ChatCompletionsRoutes.class);
  /** A client may ask to wait less than the configured limit (never more). */
  static final String WAIT_HEADER = "x-fusion-wait-ms";
  static final long KEEP_ALIVE_MS = 15_000;
  /** The hosted feature's depth header; honoured like {@link ModelGateway#DEPTH_HEADER}, and sent beside it. */
  static final String HOSTED_DEPTH_HEADER = "x-openrouter-fusion-depth";

  private final StageContext ctx;
  /** The outer model's calls (routing, direct answers) and plain completions, each counted as its stage. */
  private final ModelGateway gateway;
  private final ModelGateway completions;
  private final Idempotency idempotency;
  private final JobsView view;
  private final ChatCompletionRequests requests;
  private final long maxWaitMs;

  ChatCompletionsRoutes(StageContext ctx, Idempotency idempotency, JobsView view, ChatCompletionRequests requests,
      long maxWaitMs) {
    this.ctx = ctx;
    this.gateway = ModelGateway.of(ctx).forStage(dev.fusion.common.metrics.FusionMetrics.STAGE_ROUTER);
    this.completions = ModelGateway.of(ctx).forStage(dev.fusion.common.metrics.FusionMetrics.STAGE_COMPLETION);
    this.idempotency = idempotency;
    this.view = view;
    this.requests = requests;
    this.maxWaitMs = maxWaitMs;
  }

  /**
   * @param idempotency the one the jobs API uses too, so a key names one job whichever endpoint it came to
   */
  public static ChatCompletionsRoutes create(StageContext ctx, Idempotency idempotency, JobsView view,
      ChatCompletionRequests requests) {
    return new ChatCompletionsRoutes(ctx, idempotency, view, requests,
        dev.fusion.common.config.Env.system().longValue("FUSION_CHAT_WAIT_MS", 300_000));
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/chat/completions").handler(this::handle);
  }

  private void handle(RoutingContext rc) {
    JsonNode body = JobRequests.parseBody(rc.body().asString());
    ChatCall call = requests.parse(body);
    long wait = waitMs(rc); // validated now: later steps run in callbacks
    String key = Idempotency.key(rc);
    if (!call.deliberates()) {
      plain(rc, call);
      return;
    }
    if (depth(rc) >= 1 || call.toolChoice() == ToolChoice.NONE) {
      // Recursion guard: an inner call reaching Fusion is answered by the outer model, never deliberated.
      // "required" or a choice naming fusion refer to the fusion tool, which is not offered here.
      JsonNode choice = call.toolChoice() == ToolChoice.NONE || call.toolChoice() == ToolChoice.CLIENT_FUNCTION
          ? call.toolChoiceRaw() : null;
      direct(rc, call, gateway.chat(outerRequest(call, call.clientTools(), choice)));
      return;
    }
    String tenant = Tenants.of(rc);
    // A retry of a request that already started a job joins it, before anything is spent again.
    Idempotency.Outcome earlier = idempotency.earlier(tenant, key, body);
    if (earlier != null) {
      follower(rc, call, wait).joined(earlier);
      return;
    }
    if (call.toolChoice() == ToolChoice.REQUIRED) {
      deliberate(rc, call, body, key, wait, null);
      return;
    }
    // auto: the outer model decides between answering, calling a client tool, or calling fusion. When it
    // calls fusion, its routing call's model and usage go with the job, so the result's usage counts it.
    ArrayNode tools = Json.MAPPER.createArrayNode().add(FusionTool.definition());
    tools.addAll(call.clientTools());
    Context requestContext = rc.vertx().getOrCreateContext();
    gateway.chat(outerRequest(call, tools, call.toolChoiceRaw()))
        .onFailure(e -> rc.fail(upstream(e)))
        .onSuccess(reply -> {
          if (reply.toolCalls().stream().anyMatch(t -> FusionTool.NAME.equals(t.name()))) {
            // Back on the request's context: the job's follower answers from there.
            requestContext.runOnContext(v -> deliberate(rc, call, body, key, wait, reply));
          } else {
            direct(rc, call, Future.succeededFuture(reply));
          }
        });
  }

  /**
   * The outer model's call: the client's conversation as given (tool turns included), with the offered
   * tools when there are any. It goes through the gateway like every other model call.
   */
  private static ChatRequest outerRequest(ChatCall call, ArrayNode tools, JsonNode toolChoice) {
    ObjectNode extra = null;
    if (tools != null && !tools.isEmpty()) {
      extra = Json.object();
      extra.set("tools", tools);
      extra.set("tool_choice", toolChoice == null ? TextNode.valueOf("auto") : toolChoice);
    }
    return new ChatRequest(call.outerModel(), call.messages(), call.temperature(), call.maxCompletionTokens(), null,
        extra, call.rawMessages());
  }

  /**
   * The nesting depth: the larger of {@code x-fusion-depth} and the hosted feature's
   * {@code x-openrouter-fusion-depth}; absent is 0, anything unreadable counts as nested, to stay on the
   * safe side.
   */
  static int depth(RoutingContext rc) {
    return Math.max(depth(rc.request().getHeader(ModelGateway.DEPTH_HEADER)),
        depth(rc.request().getHeader(HOSTED_DEPTH_HEADER)));
  }

  static int depth(String header) {
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      return Math.max(0, Integer.parseInt(header.trim()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private long waitMs(RoutingContext rc) {
    String header = rc.request().getHeader(WAIT_HEADER);
    try {
      return header == null ? maxWaitMs : Math.max(1, Math.min(maxWaitMs, Long.parseLong(header.trim())));
    } catch (NumberFormatException e) {
      throw ApiError.invalid(null, "invalid_header", WAIT_HEADER + " must be a number of milliseconds.");
    }
  }

  // ---- the outer model answered itself (or called a client tool) ----

  private void direct(RoutingContext rc, ChatCall call, Future<ChatResult> reply) {
    reply.onFailure(e -> rc.fail(upstream(e))).onSuccess(r -> {
      String id = newCompletionId();
      long created = System.currentTimeMillis() / 1000;
      String finish = r.finishReason() == null ? "stop" : r.finishReason();
      if (!call.stream()) {
        ObjectNode body = ChatCompletionResponses.completion(id, created, r.respondingModel(),
            ChatCompletionResponses.message(r), finish, ChatCompletionResponses.usage(r.usage()));
        body.put("router", FusionResult.ROUTER);
        HttpApi.json(rc, 200, body);
        return;
      }
      // The answer is complete already: one delta with all of it, then the closing chunk.
      SseWriter sse = SseWriter.start(rc.response());
      ObjectNode delta = Json.object().put("role", "assistant");
      if (!r.content().isEmpty() || r.toolCalls().isEmpty()) {
        delta.put("content", r.content());
      }
      ChatCompletionResponses.addToolCallDeltas(delta, r.toolCalls());
      sse.data(ChatCompletionResponses.chunk(id, created, r.respondingModel(), delta, null));
      ObjectNode last = ChatCompletionResponses.chunk(id, created, r.respondingModel(), Json.object(), finish);
      last.set("usage", ChatCompletionResponses.usage(r.usage()));
      last.put("router", FusionResult.ROUTER);
      sse.data(last);
      sse.done();
    });
  }

  private static String newCompletionId() {
    return ChatCompletionResponses.completionId(UUID.randomUUID().toString().replace("-", ""));
  }

  // ---- plain completions through the gateway ----

  private void plain(RoutingContext rc, ChatCall call) {
    ChatRequest request = new ChatRequest(call.model(), call.messages(), call.temperature(),
        call.maxCompletionTokens(), null, call.passthrough().isEmpty() ? null : call.passthrough(),
        call.rawMessages());
    String id = newCompletionId();
    long created = System.currentTimeMillis() / 1000;
    if (!call.stream()) {
      completions.chat(request)
          .onFailure(e -> rc.fail(upstream(e)))
          .onSuccess(r -> {
            HttpApi.json(rc, 200, ChatCompletionResponses.completion(id, created, r.respondingModel(),
                ChatCompletionResponses.message(r),
                r.finishReason() == null ? "stop" : r.finishReason(), ChatCompletionResponses.usage(r.usage())));
          });
      return;
    }
    Context context = rc.vertx().getOrCreateContext();
    SseWriter sse = SseWriter.start(rc.response());
    sse.data(ChatCompletionResponses.chunk(id, created, call.model(), Json.object().put("role", "assistant")
        .put("content", ""), null));
    completions.chatStream(request, delta -> context.runOnContext(v -> sse.data(
            ChatCompletionResponses.chunk(id, created, call.model(), Json.object().put("content", delta), null))))
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.failed()) {
            sse.error(upstream(ar.cause()));
            return;
          }
          if (!ar.result().toolCalls().isEmpty()) {
            ObjectNode calls = Json.object();
            ChatCompletionResponses.addToolCallDeltas(calls, ar.result().toolCalls());
            sse.data(ChatCompletionResponses.chunk(id, created, call.model(), calls, null));
          }
          ObjectNode last = ChatCompletionResponses.chunk(id, created, ar.result().respondingModel(), Json.object(),
              ar.result().finishReason() == null ? "stop" : ar.result().finishReason());
          last.set("usage", ChatCompletionResponses.usage(ar.result().usage()));
          sse.data(last);
          sse.done();
        }));
  }

  static ApiError upstream(Throwable e) {
    if (e instanceof ApiError api) {
      return api;
    }
    if (e instanceof ModelCallException m) {
      return switch (m.reason()) {
        case FailureReasons.NO_PROVIDER, FailureReasons.MODEL_NOT_FOUND ->
            new ApiError(404, "invalid_request_error", "model_not_found", "model", m.getMessage());
        case FailureReasons.BAD_REQUEST -> new ApiError(400, "invalid_request_error", "bad_request", null, m.getMessage());
        // The provider's own text for an auth failure may quote a key: say only what happened.
        case FailureReasons.AUTH_FAILED -> new ApiError(502, "upstream_error", "auth_failed", null,
            "The provider rejected Fusion's credentials for model " + m.model() + ".");
        case FailureReasons.RATE_LIMITED -> new ApiError(429, "rate_limit_error", "rate_limited", null, m.getMessage());
        case FailureReasons.TIMEOUT -> new ApiError(504, "upstream_error", "timeout", null, m.getMessage());
        default -> new ApiError(502, "upstream_error", m.reason(), null, m.getMessage());
      };
    }
    return new ApiError(502, "upstream_error", "upstream_error", null, "The model call failed.");
  }

  // ---- deliberation ----

  /**
   * Submits the call's job (with the routing call's cost when the outer model decided to deliberate) and
   * follows it; with an {@code Idempotency-Key} that already named a job, follows that one instead.
   */
  private void deliberate(RoutingContext rc, ChatCall call, JsonNode body, String key, long wait, ChatResult routing) {
    String tenant = Tenants.of(rc);
    FusionJob job = routing == null ? ChatCompletionRequests.toJob(call, tenant)
        : ChatCompletionRequests.toJob(call, tenant,
            routing.respondingModel() == null ? call.outerModel() : routing.respondingModel(), routing.usage());
    Follower follower = follower(rc, call, wait);
    // Subscribe before submitting, and read the view after: nothing of the job can slip between the two.
    follower.subscribe(job.jobId(), job.acceptedAtMs());
    Context context = rc.vertx().getOrCreateContext();
    idempotency.submit(tenant, key, body, submission -> job.withSubmission(submission), HttpApi.trace(ctx.tracing(), rc, tenant))
        .onComplete(ar -> context.runOnContext(v -> {
          if (ar.failed()) {
            follower.end();
            rc.fail(ar.cause());
          } else if (!ar.result().jobId().equals(job.jobId())) {
            follower.end(); // The key named a job submitted meanwhile: follow that one.
            follower(rc, call, wait).joined(ar.result());
          } else {
            follower.accepted();
          }
        }));
  }

  private Follower follower(RoutingContext rc, ChatCall call, long wait) {
    String model = call.fusion().synthesizer();
    return call.stream() ? new StreamingFollower(rc, model, wait) : new ResultWaiter(rc, wait);
  }

  /** Follows one job for one request, from submission (or joining) to its result. */
  private abstract class Follower implements JobListener {
    final RoutingContext rc;
    final long waitMs;
    final Context context;
    final AtomicBoolean over = new AtomicBoolean();
    String jobId;
    long acceptedAtMs;
    /** Joined a job submitted earlier (Idempotency-Key): its first events are past. */
    boolean joined;
    private AutoCloseable subscription;

    Follower(RoutingContext rc, long waitMs) {
      this.rc = rc;
      this.waitMs = waitMs;
      this.context = rc.vertx().getOrCreateContext();
    }

    void subscribe(String id, long accepted) {
      jobId = id;
      acceptedAtMs = accepted;
      subscription = view.subscribe(id, this);
      rc.response().closeHandler(v -> context.runOnContext(x -> clientGone()));
    }

    /** A retried request: the job its key named, already accepted. */
    void joined(Idempotency.Outcome outcome) {
      joined = true;
      rc.response().putHeader("Idempotent-Replayed", "true");
      subscribe(outcome.jobId(), outcome.createdAtMs());
      accepted();
    }

    /** Kafka acknowledged the job (or it was accepted earlier): start answering, and catch up with the view. */
    abstract void accepted();

    abstract void clientGone();

    /** The job's result as stored now, if any (read after subscribing: a later one reaches the listener). */
    FusionResult storedResult() {
      JobView stored = view.read(jobId);
      return stored == null ? null : stored.result();
    }

    void end() {
      if (over.compareAndSet(false, true)) {
        close(subscription);
        stopTimers();
      }
    }

    void stopTimers() {}
  }

  /** Waits for the result up to the limit; past it, 202 with the job ID so the client can poll. */
  private final class ResultWaiter extends Follower {
    private final Promise<FusionResult> result = Promise.promise();
    private long timer = -1;

    ResultWaiter(RoutingContext rc, long waitMs) {
      super(rc, waitMs);
      result.future().onComplete(ar -> context.runOnContext(v -> answer(ar.succeeded() ? ar.result() : null,
          ar.cause())));
    }

    @Override
    public void onEvent(FusionEvent event, long offset) {}

    @Override
    public void onResult(FusionResult r) {
      result.tryComplete(r);
    }

    @Override
    void accepted() {
      if (over.get()) {
        return;
      }
      FusionResult stored = storedResult();
      if (stored != null) {
        result.tryComplete(stored);
      }
      timer = ctx.vertx().setTimer(waitMs, t -> result.tryFail(new WaitExpired()));
    }

    @Override
    void clientGone() {
      result.tryFail("client went away");
    }

    @Override
    void stopTimers() {
      if (timer >= 0) {
        ctx.vertx().cancelTimer(timer);
      }
    }

    @Override
    void end() {
      super.end();
      result.tryFail("ended");
    }

    private void answer(FusionResult r, Throwable cause) {
      boolean wasOver = over.get(); // ended from outside: the request is answered elsewhere
      end();
      if (wasOver || rc.response().ended() || rc.response().closed()) {
        return;
      }
      if (r != null) {
        if (FusionResult.COMPLETED.equals(r.status())) {
          HttpApi.json(rc, 200, ChatCompletionResponses.fromResult(r));
        } else {
          ApiError error = failed(r);
          ObjectNode body = error.body();
          body.set("fusion", ChatCompletionResponses.fusion(r));
          HttpApi.json(rc, error.status(), body);
        }
      } else if (cause instanceof WaitExpired) {
        JobView now = view.read(jobId);
        rc.response().putHeader("Location", "/v1/jobs/" + jobId);
        HttpApi.json(rc, 202, JobObjects.accepted(jobId, now == null ? JobStatus.QUEUED : now.status(),
            acceptedAtMs, now == null ? null : now.rejudgeOf()));
      }
    }
  }

  /**
   * A finished job that is not {@code completed}: a 424 in the OpenAI error shape, {@code code} = the
   * failure reason. Not a 5xx: the OpenAI SDKs retry 408, 409, 429 and 5xx, and a retried deliberation is
   * a second deliberation (with an {@code Idempotency-Key} it joins the first instead).
   */
  static ApiError failed(FusionResult r) {
    boolean cancelled = FusionResult.CANCELLED.equals(r.status());
    String code = r.failureReason() != null ? r.failureReason() : cancelled ? "job_cancelled" : "fusion_failed";
    return new ApiError(424, "upstream_error", code, null,
        "The deliberation of job " + r.jobId() + (cancelled ? " was cancelled" : " failed: " + code)
            + (r.error() == null ? "" : " (" + r.error() + ")"));
  }

  private static void close(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("unsubscribe failed", e);
    }
  }

  private static final class WaitExpired extends RuntimeException {
    WaitExpired() {
      super("wait limit reached", null, false, false);
    }
  }

  /**
   * Streams one deliberation: progress chunks while the panel and judge work, the final answer's text as
   * content deltas, then its tool calls if any, a final chunk with usage and {@code [DONE]}. Every write
   * happens on the request's context, in the order the view delivered events. A request that joined a
   * job already running (Idempotency-Key) gets progress from then on and the answer whole at the end.
   */
  private final class StreamingFollower extends Follower {
    private final String model;
    private final StringBuilder streamed = new StringBuilder();
    private final List<Runnable> beforeStart = new ArrayList<>();
    private String id;
    private long created;
    private SseWriter sse;
    private long timer = -1;
    private long keepAlive = -1;

    StreamingFollower(RoutingContext rc, String model, long waitMs) {
      super(rc, waitMs);
      this.model = model;
    }

    @Override
    void accepted() {
      if (over.get()) {
        return;
      }
      id = ChatCompletionResponses.completionId(jobId);
      created = acceptedAtMs / 1000;
      sse = SseWriter.start(rc.response());
      sse.data(ChatCompletionResponses.chunk(id, created, model,
          Json.object().put("role", "assistant").put("content", ""), null));
      beforeStart.forEach(Runnable::run);
      beforeStart.clear();
      FusionResult stored = storedResult();
      if (stored != null) {
        finish(stored);
        return;
      }
      // A comment line now and then keeps proxies from closing a quiet stream; SDKs skip comments.
      keepAlive = ctx.vertx().setPeriodic(KEEP_ALIVE_MS, t -> context.runOnContext(x -> {
        if (!over.get()) {
          sse.comment("keep-alive");
        }
      }));
      timer = ctx.vertx().setTimer(waitMs, t -> context.runOnContext(x -> {
        if (!over.get()) {
          sse.error(new ApiError(504, "timeout", "wait_limit_reached", null, "Job " + jobId
              + " is still running; poll GET /v1/jobs/" + jobId + " for its result."));
          end();
        }
      }));
    }

    @Override
    void clientGone() {
      end();
    }

    @Override
    void stopTimers() {
      if (timer >= 0) {
        ctx.vertx().cancelTimer(timer);
      }
      if (keepAlive >= 0) {
        ctx.vertx().cancelTimer(keepAlive);
      }
    }

    @Override
    public void onEvent(FusionEvent event, long offset) {
      context.runOnContext(v -> whenStarted(() -> event(event)));
    }

    @Override
    public void onResult(FusionResult result) {
      context.runOnContext(v -> whenStarted(() -> finish(result)));
    }

    private void whenStarted(Runnable r) {
      if (over.get()) {
        return;
      }
      if (sse == null) {
        beforeStart.add(r);
      } else {
        r.run();
      }
    }

    private void event(FusionEvent event) {
      if (over.get()) {
        return;
      }
      if (EventTypes.OUTPUT_TEXT_DELTA.equals(event.type())) {
        String delta = event.data() == null ? "" : event.data().path("delta").asText("");
        // A joined job's earlier deltas are past: its text comes whole with the result.
        if (!delta.isEmpty() && !joined) {
          streamed.append(delta);
          sse.data(ChatCompletionResponses.chunk(id, created, model, Json.object().put("content", delta), null));
        }
      } else if (!EventTypes.isTerminal(event.type())) {
        sse.data(ChatCompletionResponses.progress(id, created, model, event));
      }
    }

    private void finish(FusionResult result) {
      if (over.get()) {
        return;
      }
      if (!FusionResult.COMPLETED.equals(result.status())) {
        sse.error(failed(result));
        end();
        return;
      }
      // The result may overtake the last delta events (another topic): send whatever is still missing.
      String answer = result.answer() == null ? "" : result.answer();
      if (answer.startsWith(streamed.toString()) && answer.length() > streamed.length()) {
        sse.data(ChatCompletionResponses.chunk(id, created, result.model(),
            Json.object().put("content", answer.substring(streamed.length())), null));
        streamed.setLength(0);
        streamed.append(answer);
      }
      ObjectNode calls = Json.object();
      ChatCompletionResponses.addToolCallDeltas(calls, ChatCompletionResponses.toolCalls(result));
      if (!calls.isEmpty()) {
        sse.data(ChatCompletionResponses.chunk(id, created, result.model(), calls, null));
      }
      ObjectNode last = ChatCompletionResponses.chunk(id, created, result.model(), Json.object(),
          ChatCompletionResponses.finishReason(result));
      last.set("usage", ChatCompletionResponses.usage(result.usage() == null
          ? dev.fusion.common.contract.Usage.ZERO : result.usage().total()));
      last.put("router", FusionResult.ROUTER);
      last.set("fusion", ChatCompletionResponses.fusion(result));
      sse.data(last);
      sse.done();
      end();
    }
  }
}
