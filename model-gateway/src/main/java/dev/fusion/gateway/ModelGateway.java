package dev.fusion.gateway;

import dev.fusion.common.StageContext;
import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.Usage;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.metrics.FusionMetrics;
import dev.fusion.common.tracing.StageSpan;
import dev.fusion.common.tracing.Tracing;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every model call in Fusion goes through here: OpenAI-compatible {@code POST {base}/chat/completions},
 * non-streaming or SSE streaming. Per call: the provider is chosen by model-ID prefix; each attempt
 * waits for the process-wide limits ({@link Admission}) and goes out through the {@link HttpTransport}
 * (per-attempt timeout, and a first-token timeout for streams); failed attempts are retried and then
 * the model's fallbacks tried as the {@link RetryPolicy} says, where a 429 cools the whole provider
 * down; failures are typed ({@link ModelCallException}); cost comes from the provider or the price
 * table ({@link Pricing}). Safe to share across a process. Each call is counted in the process's meters
 * under the stage of the view it was made through ({@link #forStage}).
 */
public final class ModelGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelGateway.class);
  /** Marks inner calls so a Fusion endpoint reached by a panel model never deliberates again. */
  public static final String DEPTH_HEADER = HttpTransport.DEPTH_HEADER;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final HttpTransport transport;
  private final RetryPolicy policy;
  private final Admission admission;
  /** Null: calls are not counted (a gateway made outside a process's context, in tests). */
  private final FusionMetrics metrics;
  /** The {@code stage} label of calls made through this view. */
  private final String stage;
  /** Where each call's client span goes; the process's, set by {@link #of}. */
  private Tracing tracing = Tracing.OFF;
  private final List<Gauge> gauges = new ArrayList<>();
  /** The gateway itself, which owns the transport and the probe; a {@link #forStage} view's is its gateway. */
  private final ModelGateway root;
  private final boolean owner;
  private ProviderReachability reachability;

  public ModelGateway(Vertx vertx, GatewayConfig config) {
    this(vertx, config, null);
  }

  public ModelGateway(Vertx vertx, GatewayConfig config, FusionMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.transport = new HttpTransport(vertx, config);
    this.policy = new RetryPolicy(config);
    this.admission = new Admission(vertx, config.queueLimit());
    this.metrics = metrics;
    this.stage = "other";
    this.root = this;
    this.owner = true;
    if (metrics != null) {
      for (Provider p : config.providers()) {
        var queued = admission.queued(p.name());
        gauges.add(metrics.gatewayQueueDepth(p.name(), queued::get));
      }
    }
  }

  private ModelGateway(ModelGateway base, String stage) {
    this.vertx = base.vertx;
    this.config = base.config;
    this.transport = base.transport;
    this.policy = base.policy;
    this.admission = base.admission;
    this.metrics = base.metrics;
    this.stage = stage;
    this.tracing = base.tracing;
    this.root = base;
    this.owner = false;
  }

  /**
   * The gateway of a process: one per {@link StageContext}, shared by its stages (so the limits are the
   * process's), made on first use and closed with the context. It counts its calls in the context's
   * meters and probes whether its providers answer ({@link #reachesAProvider}).
   */
  public static ModelGateway of(StageContext ctx) {
    return ctx.shared(ModelGateway.class, c -> {
      ModelGateway gateway = new ModelGateway(c.vertx(), c.config().gateway(), c.metrics());
      gateway.tracing = c.tracing();
      gateway.reachability = new ProviderReachability(c.vertx(), c.config().gateway().providers()).start();
      return gateway;
    });
  }

  /**
   * The gateway of a stage whose work is model calls (panel worker, judge worker, synthesizer): the process
   * is ready only while a provider is reachable. Ingress takes {@link #of} instead: during a provider
   * outage it stays ready, so job status, results and uploads keep being served and chat completions fail
   * with their typed error.
   */
  public static ModelGateway ofModelStage(StageContext ctx) {
    ModelGateway gateway = of(ctx);
    ctx.addReadinessCheck("model-gateway", gateway::reachesAProvider);
    return gateway;
  }

  /**
   * This gateway (same limits, same transport) with its calls counted under {@code stage}
   * ({@link FusionMetrics#STAGE_PANEL}, ...). Stages take their view once, when they are built.
   */
  public ModelGateway forStage(String stage) {
    return new ModelGateway(root, stage);
  }

  /**
   * Whether a recent probe connected to at least one provider; true when this gateway does not probe
   * (made outside a process's context).
   */
  public boolean reachesAProvider() {
    ProviderReachability r = root.reachability;
    return r == null || r.anyReachable();
  }

  public GatewayConfig config() {
    return config;
  }

  /** A non-streaming completion, a span of the thread's current work ({@link JobTrace#current()}) if traced. */
  public Future<ChatResult> chat(ChatRequest request) {
    return call(request, null, callParent());
  }

  /** A non-streaming completion made in the work of {@code parent} (a span captured when that work began). */
  public Future<ChatResult> chat(ChatRequest request, JobTrace parent) {
    return call(request, null, parent);
  }

  /** A streaming completion; {@code onDelta} receives content text as it arrives (on an event loop). */
  public Future<ChatResult> chatStream(ChatRequest request, Consumer<String> onDelta) {
    return call(request, onDelta, callParent());
  }

  /**
   * The span model calls started now belong to, for a caller that makes them later on other threads: the
   * thread's current work while calls are traced, else null (nothing is looked up).
   */
  public JobTrace callParent() {
    return tracing.exporting() ? JobTrace.current() : null;
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

  private Future<ChatResult> call(ChatRequest request, Consumer<String> onDelta, JobTrace parent) {
    List<String> chain = policy.chain(request.model());
    Promise<ChatResult> result = Promise.promise();
    CallState state = new CallState(request, onDelta, MonotonicClock.nowMs(),
        metrics == null ? null : metrics.model(request.model(), stage),
        tracing.modelCall(stage, request.model(), parent));
    tryModel(state, chain, 0, null, result);
    return result.future();
  }

  private void tryModel(CallState state, List<String> chain, int index, ModelCallException first,
      Promise<ChatResult> result) {
    String model = chain.get(index);
    withRetries(state, model).onComplete(ar -> {
      if (ar.succeeded()) {
        state.counted(FusionMetrics.OUTCOME_OK, ar.result().usage());
        result.complete(ar.result());
        return;
      }
      ModelCallException failure = (ModelCallException) ar.cause();
      ModelCallException primary = first == null ? failure : first;
      if (RetryPolicy.fallsBack(chain, index, state.streamedSomething)) {
        LOG.debug("{} failed ({}); falling back to {}", model, failure.reason(), chain.get(index + 1));
        tryModel(state, chain, index + 1, primary, result);
        return;
      }
      String message = chain.size() == 1 ? failure.getMessage()
          : failure.getMessage() + " (after trying " + String.join(", ", chain.subList(0, index + 1)) + ")";
      // The primary model's reason is the one users configured for; the message names every model tried.
      state.counted(primary.reason(), null);
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
    final FusionMetrics.ModelMeters meters;
    final StageSpan span;
    final List<AttemptRecord> history = new ArrayList<>();
    boolean streamedSomething;

    CallState(ChatRequest request, Consumer<String> onDelta, long startedAtMs, FusionMetrics.ModelMeters meters,
        StageSpan span) {
      this.request = request;
      this.onDelta = onDelta;
      this.startedAtMs = startedAtMs;
      this.meters = meters;
      this.span = span;
    }

    /** The call ended: counted once, under the requested model, with its usage when it succeeded. */
    void counted(String outcome, Usage usage) {
      span.attribute(Tracing.OUTCOME, outcome);
      if (FusionMetrics.OUTCOME_OK.equals(outcome)) {
        span.end(null);
      } else {
        span.endFailed(outcome);
      }
      if (meters == null) {
        return;
      }
      long tookMs = MonotonicClock.nowMs() - startedAtMs;
      if (usage == null) {
        meters.called(outcome, tookMs, 0, 0, 0, null);
      } else {
        meters.called(outcome, tookMs, usage.promptTokens(), usage.completionTokens(), usage.reasoningTokens(),
            usage.costUsd());
      }
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
    admission.acquire(provider, GatewayConfig.baseModel(model), settings).onComplete(admitted -> {
      if (admitted.failed()) {
        state.record(new AttemptRecord(model, attempt, queuedAt, queuedAt, MonotonicClock.nowMs(),
            FailureReasons.RATE_LIMITED, null, 0));
        result.fail(new ModelCallException(model, FailureReasons.RATE_LIMITED, null,
            admitted.cause().getMessage(), state.history));
        return;
      }
      Admission.Ticket ticket = admitted.result();
      long sentAt = MonotonicClock.nowMs();
      transport.exchange(provider, model, state.request, state.onDelta).onComplete(ar -> {
        // Ended before the next waiter is let in, so the recorded intervals never overlap beyond the cap.
        long endedAt = MonotonicClock.nowMs();
        ticket.release();
        if (ar.succeeded()) {
          state.record(new AttemptRecord(model, attempt, queuedAt, sentAt, endedAt, AttemptRecord.OK, 200, 0));
          ChatResult r = ar.result();
          result.complete(new ChatResult(state.request.model(), r.respondingModel(), r.content(), r.reasoning(),
              r.toolCalls(), r.finishReason(), Pricing.priced(config, model, r.respondingModel(), r.usage()),
              state.history, endedAt - state.startedAtMs));
          return;
        }
        AttemptFailure failure = FailureClassifier.of(ar.cause(), provider);
        state.record(new AttemptRecord(model, attempt, queuedAt, sentAt, endedAt, failure.reason, failure.status,
            failure.retryAfterMs));
        if (failure.streamedSomething) {
          state.streamedSomething = true;
        }
        boolean retrying = policy.retries(failure, attempt, state.streamedSomething);
        long delay = policy.delayMs(failure, attempt, retrying);
        if (RetryPolicy.coolsDownProvider(failure)) {
          // The provider is pushing back: every call to it waits, not just this one.
          admission.coolDown(provider.name(), endedAt + delay);
        }
        if (!retrying) {
          result.fail(new ModelCallException(model, failure.reason, failure.status, failure.message, state.history));
          return;
        }
        LOG.debug("{} attempt {} failed ({}), retrying in {} ms", model, attempt, failure.reason, delay);
        if (metrics != null) {
          metrics.modelRetry(model, failure.reason);
        }
        vertx.setTimer(Math.max(1, delay), t -> attemptLoop(state, provider, model, attempt + 1, result));
      });
    });
  }

  /** Limits and prices of simulated models apply to the ID without its {@code ;options}. */
  /** Closes the transport and the probe; a no-op on a {@link #forStage} view (the gateway owns them). */
  @Override
  public void close() {
    if (!owner) {
      return;
    }
    if (reachability != null) {
      reachability.close();
    }
    if (metrics != null) {
      gauges.forEach(metrics::remove);
    }
    transport.close();
  }
}
