package dev.fusion.common.metrics;

import dev.fusion.management.ProcessMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Fusion's own meters (docs/operations.md lists them), in a process's registry. Every meter is made once per
 * label set and kept, so recording on the hot path is a map lookup and an atomic add: no builder, no tags,
 * no lock. Labels stay bounded: sources, stages, statuses and failure reasons are Fusion's own constants;
 * model names are the requested IDs without their {@code ;options}, and past {@link #MAX_MODELS} distinct
 * ones further models are counted as {@value #OTHER_MODEL}. Never a job ID or a tenant.
 */
public final class FusionMetrics {
  /** Ways a job comes in ({@code fusion_jobs_accepted_total{source}}). */
  public static final String SOURCE_HTTP = "http";
  public static final String SOURCE_KAFKA = "kafka";
  public static final String SOURCE_BATCH = "batch";
  /**
   * The {@code stage} label: the pipeline's stages (as a result's usage names them), the outer model's
   * routing call and plain completions at ingress, and ingress's reply forwarder.
   */
  public static final String STAGE_PANEL = "panel";
  public static final String STAGE_JUDGE = "judge";
  public static final String STAGE_SYNTHESIZER = "synthesizer";
  public static final String STAGE_ROUTER = "router";
  public static final String STAGE_COMPLETION = "completion";
  public static final String STAGE_REPLIES = "replies";
  /** The reason label of a job that finished without one. */
  public static final String NO_REASON = "none";
  /** Model calls that succeeded ({@code outcome}); a failed call's outcome is its failure reason. */
  public static final String OUTCOME_OK = "ok";
  public static final int MAX_MODELS = 200;
  public static final String OTHER_MODEL = "other";

  /** Bucket bounds of the duration histograms: from a fast simulated call to a slow deliberation. */
  private static final Duration[] BUCKETS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
      Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300), Duration.ofSeconds(600)};

  private final ProcessMetrics process;
  private final MeterRegistry registry;
  private final Map<String, Counter> accepted = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Counter>> finished = new ConcurrentHashMap<>();
  private final Timer jobDuration;
  private final Map<String, Timer> stageDurations = new ConcurrentHashMap<>();
  private final Map<String, Counter> batchLines = new ConcurrentHashMap<>();
  private final Map<String, Map<String, ModelMeters>> models = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Counter>> retries = new ConcurrentHashMap<>();

  /**
   * Kafka's app-info meters (start time, version) carry only the client ID, which a stage's producer and
   * consumer share: the second registration would be refused with a warning. They say nothing useful.
   */
  private static final MeterFilter NO_KAFKA_APP_INFO = MeterFilter.denyNameStartsWith("kafka.app.info");

  /** A process's meters in a registry of its own. */
  public FusionMetrics() {
    this(new ProcessMetrics(NO_KAFKA_APP_INFO));
  }

  public FusionMetrics(ProcessMetrics process) {
    this.process = process;
    this.registry = process.registry();
    this.jobDuration = histogram(Timer.builder("fusion.job.duration")
        .description("From a job's acceptance to its final result")).register(registry);
  }

  /** The process's registry and scrape (what its management endpoint serves). */
  public ProcessMetrics process() {
    return process;
  }

  public MeterRegistry registry() {
    return registry;
  }

  // ---- jobs ----------------------------------------------------------------------------------------

  /** A job Kafka acknowledged, by the way it came in ({@link #SOURCE_HTTP}, ...). */
  public void jobAccepted(String source) {
    accepted.computeIfAbsent(source, s -> Counter.builder("fusion.jobs.accepted")
        .description("Jobs accepted (acknowledged by Kafka), by the way they came in")
        .tag("source", s).register(registry)).increment();
  }

  /**
   * A job's final result was published: its status ({@code completed}, {@code failed}, {@code cancelled}),
   * its failure reason (or none) and how long since it was accepted.
   */
  public void jobFinished(String status, String reason, long acceptedAtMs) {
    String r = reason == null ? NO_REASON : reason;
    finished.computeIfAbsent(status, s -> new ConcurrentHashMap<>())
        .computeIfAbsent(r, x -> Counter.builder("fusion.jobs.finished")
            .description("Jobs whose final result was published, by status and failure reason")
            .tag("status", status).tag("reason", x).register(registry)).increment();
    if (acceptedAtMs > 0) {
      jobDuration.record(Math.max(0, System.currentTimeMillis() - acceptedAtMs), TimeUnit.MILLISECONDS);
    }
  }

  /** How long one record took in a stage ({@code panel}, {@code judge}, {@code synthesizer}, ...). */
  public Timer stageDuration(String stage) {
    return stageDurations.computeIfAbsent(stage, s -> histogram(Timer.builder("fusion.stage.duration")
        .description("Time a stage spent on one record, from dispatch to its outputs acknowledged")
        .tag("stage", s)).register(registry));
  }

  /** A line of a batch upload ({@code invalid}) or its job's end ({@code completed}, {@code failed}). */
  public void batchLine(String status) {
    batchLines.computeIfAbsent(status, s -> Counter.builder("fusion.batch.lines")
        .description("Batch lines: rejected at upload (invalid), or whose job completed or failed")
        .tag("status", s).register(registry)).increment();
  }

  /**
   * Publishes {@code fusion_worker_in_flight{stage}} from {@code inFlight}; the returned gauge is to be
   * {@link #remove removed} when the worker stops, so a restarted worker (same stage, same registry) shows.
   */
  public <T> Gauge inFlightGauge(String stage, T owner, ToDoubleFunction<T> inFlight) {
    return Gauge.builder("fusion.worker.in.flight", owner, inFlight)
        .description("Records a worker has started and not yet finished").tag("stage", stage)
        .strongReference(true).register(registry);
  }

  /** {@code fusion_gateway_queue_depth{provider}}: model calls waiting for the provider's limits. */
  public Gauge gatewayQueueDepth(String provider, Supplier<Number> depth) {
    return Gauge.builder("fusion.gateway.queue.depth", depth)
        .description("Model calls waiting for a provider's concurrency, rate limit or cool-down")
        .tag("provider", provider).strongReference(true).register(registry);
  }

  public void remove(Meter meter) {
    if (meter != null) {
      registry.remove(meter);
    }
  }

  // ---- model calls ---------------------------------------------------------------------------------

  /**
   * The meters of one model in one stage. {@code model} is the requested ID; its {@code ;options} (the
   * simulator's) are dropped, and past {@link #MAX_MODELS} distinct models it is {@value #OTHER_MODEL}.
   */
  public ModelMeters model(String model, String stage) {
    String label = modelLabel(model);
    Map<String, ModelMeters> byStage = models.get(label);
    if (byStage == null) {
      byStage = models.computeIfAbsent(label, m -> new ConcurrentHashMap<>());
    }
    ModelMeters meters = byStage.get(stage);
    return meters != null ? meters : byStage.computeIfAbsent(stage, s -> new ModelMeters(label, s));
  }

  /** A retried attempt of a model call, by the failure that made it retry. */
  public void modelRetry(String model, String reason) {
    String label = modelLabel(model);
    retries.computeIfAbsent(label, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(reason, r -> Counter.builder("fusion.model.retries")
            .description("Model call attempts retried, by the failure that made them retry")
            .tag("model", label).tag("reason", r).register(registry)).increment();
  }

  /** Requested ID to label, bounded; the labels handed out so far. */
  private final Map<String, String> labels = new ConcurrentHashMap<>();
  private final java.util.Set<String> labelled = ConcurrentHashMap.newKeySet();

  private String modelLabel(String model) {
    String known = labels.get(model);
    if (known != null) {
      return known;
    }
    String bare = dev.fusion.common.config.GatewayConfig.baseModel(model);
    String label;
    if (labelled.contains(bare)) {
      label = bare;
    } else if (labelled.size() < MAX_MODELS) {
      labelled.add(bare); // Racing first uses may go a few past the bound; it stays bounded.
      label = bare;
    } else {
      label = OTHER_MODEL;
    }
    if (labels.size() < MAX_MODELS * 8) {
      labels.put(model, label); // IDs in many option variants are worked out again rather than kept.
    }
    return label;
  }

  /** Every meter of one (model, stage), made on first use. */
  public final class ModelMeters {
    private final String model;
    private final String stage;
    private final Map<String, Counter> calls = new ConcurrentHashMap<>();
    private final Timer duration;
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final Counter reasoningTokens;
    private final Counter cost;

    private ModelMeters(String model, String stage) {
      this.model = model;
      this.stage = stage;
      this.duration = histogram(Timer.builder("fusion.model.call.duration")
          .description("A model call from the first attempt to its end (retries and fallbacks included)")
          .tag("model", model).tag("stage", stage)).register(registry);
      this.promptTokens = tokens("prompt");
      this.completionTokens = tokens("completion");
      this.reasoningTokens = tokens("reasoning");
      this.cost = Counter.builder("fusion.model.cost.usd").description("Cost of model calls in US dollars")
          .tag("model", model).tag("stage", stage).register(registry);
    }

    private Counter tokens(String kind) {
      return Counter.builder("fusion.model.tokens").description("Tokens of model calls, by kind")
          .tag("model", model).tag("stage", stage).tag("kind", kind).register(registry);
    }

    /** One call ended: {@link #OUTCOME_OK} or its failure reason; usage and cost when known. */
    public void called(String outcome, long durationMs, long prompt, long completion, long reasoning, Double costUsd) {
      Counter c = calls.get(outcome);
      if (c == null) {
        c = calls.computeIfAbsent(outcome, o -> Counter.builder("fusion.model.calls")
            .description("Model calls, by outcome (ok or the typed failure reason)")
            .tag("model", model).tag("stage", stage).tag("outcome", o).register(registry));
      }
      c.increment();
      duration.record(durationMs, TimeUnit.MILLISECONDS);
      if (prompt > 0) {
        promptTokens.increment(prompt);
      }
      if (completion > 0) {
        completionTokens.increment(completion);
      }
      if (reasoning > 0) {
        reasoningTokens.increment(reasoning);
      }
      if (costUsd != null && costUsd > 0) {
        cost.increment(costUsd);
      }
    }
  }

  private static Timer.Builder histogram(Timer.Builder builder) {
    return builder.serviceLevelObjectives(BUCKETS).minimumExpectedValue(BUCKETS[0])
        .maximumExpectedValue(BUCKETS[BUCKETS.length - 1]);
  }
}
