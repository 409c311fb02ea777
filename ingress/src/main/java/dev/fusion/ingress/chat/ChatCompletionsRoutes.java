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
import dev.fusion.gateway.ChatRequest;
import dev.fusion.gateway.ChatResult;
import dev.fusion.gateway.ModelCallException;
import dev.fusion.gateway.ModelGateway;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.http.SseWriter;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.jobs.JobSubmitter;
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
 * pipeline; any other model is a plain completion through the model gateway. Transport only: parsing
 * lives in {@link ChatCompletionRequests}, wire shapes in {@link ChatCompletionResponses}.
 */
public final class ChatCompletionsRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(ChatCompletionsRoutes.class);
  /** A client may ask to wait less than the configured limit (never more). */
  static final String WAIT_HEADER = "x-fusion-wait-ms";
  static final long KEEP_ALIVE_MS = 15_000;
  static final String FUSION_TOOL = "fusion";

  private final StageContext ctx;
  private final ModelGateway gateway;
  private final JobSubmitter submitter;
  private final JobsView view;
  private final ChatCompletionRequests requests;
  private final long maxWaitMs;

  ChatCompletionsRoutes(StageContext ctx, JobSubmitter submitter, JobsView view, ChatCompletionRequests requests,
      long maxWaitMs) {
    this.ctx = ctx;
    this.gateway = ModelGateway.of(ctx);
    this.submitter = submitter;
    this.view = view;
    this.requests = requests;
    this.maxWaitMs = maxWaitMs;
  }

  public static ChatCompletionsRoutes create(StageContext ctx, JobSubmitter submitter, JobsView view,
      ChatCompletionRequests requests) {
    return new ChatCompletionsRoutes(ctx, submitter, view, requests,
        dev.fusion.common.config.Env.system().longValue("FUSION_CHAT_WAIT_MS", 300_000));
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/chat/completions").handler(this::handle);
  }

  private void handle(RoutingContext rc) {
    ChatCall call = requests.parse(JobRequests.parseBody(rc.body().asString()));
    long wait = waitMs(rc); // validated now: later steps run in callbacks
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
    if (call.toolChoice() == ToolChoice.REQUIRED) {
      deliberate(rc, call, wait);
      return;
    }
    // auto: the outer model decides between answering, calling a client tool, or calling fusion.
    // The routing call's usage is not part of the deliberation's usage (the job is built before it exists).
    ArrayNode tools = Json.MAPPER.createArrayNode().add(fusionTool());
    tools.addAll(call.clientTools());
    gateway.chat(outerRequest(call, tools, call.toolChoiceRaw()))
        .onFailure(e -> rc.fail(upstream(e)))
        .onSuccess(reply -> {
          if (reply.toolCalls().stream().anyMatch(t -> FUSION_TOOL.equals(t.name()))) {
            deliberate(rc, call, wait);
          } else {
            direct(rc, call, Future.succeededFuture(reply));
          }
        });
  }

  /** The fusion tool as the outer model sees it: a function without arguments. */
  static ObjectNode fusionTool() {
    ObjectNode tool = Json.object().put("type", "function");
    ObjectNode fn = tool.putObject("function").put("name", FUSION_TOOL).put("description",
        "Ask a panel of AI models to answer the conversation independently, have a judge compare their answers, "
            + "and get the comparison to write a better final answer. Use it for research, comparisons, expert "
            + "critique and questions where being wrong is costly; answer simple questions directly.");
    fn.putObject("parameters").put("type", "object").put("additionalProperties", false).putObject("properties");
    return tool;
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

  /** {@code x-fusion-depth}: absent is 0; anything unreadable counts as nested, to stay on the safe side. */
  static int depth(RoutingContext rc) {
    String header = rc.request().getHeader(ModelGateway.DEPTH_HEADER);
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
      gateway.chat(request)
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
    gateway.chatStream(request, delta -> context.runOnContext(v -> sse.data(
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

  private void deliberate(RoutingContext rc, ChatCall call, long wait) {
    FusionJob job = ChatCompletionRequests.toJob(call, Tenants.of(rc));
    if (call.stream()) {
      new StreamingFollower(rc, job, wait).start();
    } else {
      awaitResult(rc, job, wait);
    }
  }

  /** Waits for the result up to the limit; past it, 202 with the job ID so the client can poll. */
  private void awaitResult(RoutingContext rc, FusionJob job, long waitMs) {
    Context context = rc.vertx().getOrCreateContext();
    Promise<FusionResult> result = Promise.promise();
    // Subscribe before submitting, and read the view after: a result cannot slip between the two.
    AutoCloseable subscription = view.subscribe(job.jobId(), new JobListener() {
      @Override
      public void onEvent(FusionEvent event, long offset) {}

      @Override
      public void onResult(FusionResult r) {
        result.tryComplete(r);
      }
    });
    long[] timer = {-1};
    rc.response().closeHandler(v -> result.tryFail("client went away"));
    submitter.submit(job).onFailure(e -> result.tryFail(e)).onSuccess(accepted -> {
      JobView stored = view.read(job.jobId());
      if (stored != null && stored.result() != null) {
        result.tryComplete(stored.result());
      }
      timer[0] = ctx.vertx().setTimer(waitMs, t -> result.tryFail(new WaitExpired()));
    });
    result.future().onComplete(ar -> context.runOnContext(v -> {
      close(subscription);
      if (timer[0] >= 0) {
        ctx.vertx().cancelTimer(timer[0]);
      }
      if (rc.response().ended() || rc.response().closed()) {
        return;
      }
      if (ar.succeeded()) {
        FusionResult r = ar.result();
        if (FusionResult.COMPLETED.equals(r.status())) {
          HttpApi.json(rc, 200, ChatCompletionResponses.fromResult(r));
        } else {
          ObjectNode body = failed(r).body();
          body.set("fusion", ChatCompletionResponses.fusion(r));
          HttpApi.json(rc, 502, body);
        }
      } else if (ar.cause() instanceof WaitExpired) {
        JobView now = view.read(job.jobId());
        rc.response().putHeader("Location", "/v1/jobs/" + job.jobId());
        HttpApi.json(rc, 202, JobObjects.accepted(job.jobId(), now == null ? JobStatus.QUEUED : now.status(),
            job.acceptedAtMs(), job.rejudgeOf()));
      } else {
        rc.fail(ar.cause());
      }
    }));
  }

  static ApiError failed(FusionResult r) {
    return new ApiError(502, "upstream_error", r.failureReason() == null ? "fusion_failed" : r.failureReason(), null,
        "The deliberation of job " + r.jobId() + " failed: " + r.failureReason()
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
   * Streams one deliberation: progress chunks while the panel and judge work, the synthesizer's text as
   * content deltas, then a final chunk with usage and {@code [DONE]}. Every write happens on the
   * request's context, in the order the view delivered events.
   */
  private final class StreamingFollower implements JobListener {
    private final RoutingContext rc;
    private final FusionJob job;
    private final long waitMs;
    private final Context context;
    private final String id;
    private final long created;
    private final StringBuilder streamed = new StringBuilder();
    private final List<Runnable> beforeStart = new ArrayList<>();
    private final AtomicBoolean over = new AtomicBoolean();
    private AutoCloseable subscription;
    private SseWriter sse;
    private long timer = -1;
    private long keepAlive = -1;

    StreamingFollower(RoutingContext rc, FusionJob job, long waitMs) {
      this.rc = rc;
      this.job = job;
      this.waitMs = waitMs;
      this.context = rc.vertx().getOrCreateContext();
      this.id = ChatCompletionResponses.completionId(job.jobId());
      this.created = job.acceptedAtMs() / 1000;
    }

    void start() {
      subscription = view.subscribe(job.jobId(), this);
      rc.response().closeHandler(v -> context.runOnContext(x -> end()));
      submitter.submit(job).onComplete(ar -> context.runOnContext(v -> {
        if (ar.failed()) {
          end();
          rc.fail(ar.cause());
          return;
        }
        sse = SseWriter.start(rc.response());
        sse.data(ChatCompletionResponses.chunk(id, created, job.synthesizerModel(),
            Json.object().put("role", "assistant").put("content", ""), null));
        beforeStart.forEach(Runnable::run);
        beforeStart.clear();
        JobView stored = view.read(job.jobId());
        if (stored != null && stored.result() != null) {
          finish(stored.result());
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
            sse.error(new ApiError(504, "timeout", "wait_limit_reached", null, "Job " + job.jobId()
                + " is still running; poll GET /v1/jobs/" + job.jobId() + " for its result."));
            end();
          }
        }));
      }));
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
        if (!delta.isEmpty()) {
          streamed.append(delta);
          sse.data(ChatCompletionResponses.chunk(id, created, job.synthesizerModel(),
              Json.object().put("content", delta), null));
        }
      } else if (!EventTypes.isTerminal(event.type())) {
        sse.data(ChatCompletionResponses.progress(id, created, job.synthesizerModel(), event));
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
      ObjectNode last = ChatCompletionResponses.chunk(id, created, result.model(), Json.object(), "stop");
      last.set("usage", ChatCompletionResponses.usage(result.usage() == null
          ? dev.fusion.common.contract.Usage.ZERO : result.usage().total()));
      last.put("router", FusionResult.ROUTER);
      last.set("fusion", ChatCompletionResponses.fusion(result));
      sse.data(last);
      sse.done();
      end();
    }

    private void end() {
      if (over.compareAndSet(false, true)) {
        close(subscription);
        if (timer >= 0) {
          ctx.vertx().cancelTimer(timer);
        }
        if (keepAlive >= 0) {
          ctx.vertx().cancelTimer(keepAlive);
        }
      }
    }
  }
}
