package dev.fusion.common;

import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.kafka.Cancellations;
import dev.fusion.common.kafka.DeadLetterPublisher;
import dev.fusion.common.kafka.KafkaReachability;
import dev.fusion.common.kafka.Publisher;
import dev.fusion.common.kafka.TopicAdmin;
import dev.fusion.common.kafka.Topics;
import dev.fusion.common.metrics.FusionMetrics;
import dev.fusion.common.tracing.Tracing;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * What every stage of a process shares: config, topics, one Vert.x instance, one durable producer, the
 * metrics registry and what readiness is made of beyond the stages themselves, plus the components of modules above this one that the stages share (the model gateway, see
 * {@link #shared}). A service process makes one; dev mode makes one for all stages.
 */
public final class StageContext implements AutoCloseable {
  private final FusionConfig config;
  private final Topics topics;
  private final Vertx vertx;
  private final boolean ownsVertx;
  /** Components by type, in the order they were made; guarded by itself. */
  private final Map<Class<?>, AutoCloseable> shared = new LinkedHashMap<>();
  private final Publisher publisher;
  private final DeadLetterPublisher deadLetters;
  private Cancellations cancellations;
  private volatile KafkaReachability reachability;
  private final Object reachabilityLock = new Object();
  private final FusionMetrics metrics = new FusionMetrics();
  private final KafkaClientMetrics producerMetrics;
  private final Tracing tracing;
  /** Readiness conditions of shared components (the model gateway reaching a provider), by name. */
  private final Map<String, BooleanSupplier> readinessChecks = new java.util.concurrent.ConcurrentSkipListMap<>();

  /** A context whose spans, when exported, are of the service {@code fusion-<clientId>} (unless configured). */
  public StageContext(FusionConfig config, Vertx vertx, String clientId) {
    this(config, vertx, clientId, "fusion-" + clientId);
  }

  /** As above, spans exported as of {@code serviceName} unless {@code OTEL_SERVICE_NAME} names another. */
  public StageContext(FusionConfig config, Vertx vertx, String clientId, String serviceName) {
    this.config = config;
    this.topics = new Topics(config.topicPrefix(), config.recordBudget());
    this.ownsVertx = vertx == null;
    this.vertx = vertx == null ? FusionVertx.create() : vertx;
    this.publisher = new Publisher(config.bootstrapServers(), clientId, config.recordBudget(),
        config.kafkaSendTimeout());
    // Event loops send directly only while the probe (started on first use: ingress's health, a
    // stage's first failure, or the first send here) finds Kafka answering.
    this.publisher.directOnEventLoopsWhile(() -> kafkaReachability().isReachable());
    // Dead letters carry the original bytes only while they fit the producer's own request limit.
    this.deadLetters = new DeadLetterPublisher(publisher, topics, config.recordBudget().producerMaxRequestBytes());
    this.producerMetrics = publisher.bindMetrics(metrics.registry());
    this.tracing = Tracing.create(config.tracing(), serviceName);
  }

  /** The process's meters: Fusion's own, the JVM's and the Kafka clients' (served at {@code /metrics}). */
  public FusionMetrics metrics() {
    return metrics;
  }

  /** The process's spans: {@link Tracing#OFF} unless the {@code OTEL_*} settings turn export on. */
  public Tracing tracing() {
    return tracing;
  }

  /**
   * Adds a condition of this process's readiness besides its stages' own (e.g. {@code model-gateway}: a
   * provider is reachable). {@code check} is asked on every readiness probe: a cheap read, never blocking.
   */
  public void addReadinessCheck(String name, BooleanSupplier check) {
    readinessChecks.put(name, check);
  }

  /** Each added readiness condition, by name, as it holds now. */
  public Map<String, Boolean> readinessChecks() {
    Map<String, Boolean> out = new LinkedHashMap<>();
    readinessChecks.forEach((name, check) -> out.put(name, check.getAsBoolean()));
    return out;
  }

  /** Creates the topics if they are missing (idempotent). */
  public StageContext ensureTopics() {
    TopicAdmin.ensureTopics(config.bootstrapServers(), topics, config.topicPartitions(), config.topicReplication());
    return this;
  }

  public FusionConfig config() {
    return config;
  }

  public Topics topics() {
    return topics;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * The process's one component of {@code type} (the model gateway: {@code ModelGateway.of(ctx)}), made by
   * {@code create} on first use and closed with this context, after the producer and before Vert.x. Stages
   * ask for it once, when they are built, not per record.
   */
  public <T extends AutoCloseable> T shared(Class<T> type, Function<StageContext, T> create) {
    // Its own lock, not this object's: cancellations() holds that while it catches up.
    synchronized (shared) {
      AutoCloseable existing = shared.get(type);
      if (existing != null) {
        return type.cast(existing);
      }
      T made = create.apply(this);
      shared.put(type, made);
      return made;
    }
  }

  public Publisher publisher() {
    return publisher;
  }

  public DeadLetterPublisher deadLetters() {
    return deadLetters;
  }

  /** The cancelled-jobs set shared by the stages of this process; started (and caught up) on first use. */
  /**
   * False once the cancellations reader stopped (a fatal error): a stage that cannot learn of
   * cancellations must not report ready. True while the reader was never asked for.
   */
  public synchronized boolean cancellationsReady() {
    return cancellations == null || cancellations.isReady();
  }

  public synchronized Cancellations cancellations() {
    if (cancellations == null) {
      cancellations = new Cancellations(config.bootstrapServers(), topics.cancellations(), deadLetters).start();
    }
    return cancellations;
  }

  /**
   * True while the background probe finds Kafka unreachable (the probe starts on first use): a stage's
   * failures during an outage are not the records' fault.
   */
  public boolean kafkaKnownUnreachable() {
    return kafkaReachability().isKnownUnreachable();
  }

  /**
   * Whether Kafka answers, probed in the background from first use on. Its own lock, not this object's:
   * event loops ask for it, and {@link #cancellations()} holds this object's while it catches up.
   */
  public KafkaReachability kafkaReachability() {
    KafkaReachability r = reachability;
    if (r == null) {
      synchronized (reachabilityLock) {
        if (reachability == null) {
          reachability = new KafkaReachability(config.bootstrapServers()).start();
        }
        r = reachability;
      }
    }
    return r;
  }

  /** The shared components, the last made first. */
  private void closeShared() {
    List<AutoCloseable> components;
    synchronized (shared) {
      components = new ArrayList<>(shared.values());
      shared.clear();
    }
    for (int i = components.size() - 1; i >= 0; i--) {
      try {
        components.get(i).close();
      } catch (Exception e) {
        throw new IllegalStateException("closing " + components.get(i).getClass().getSimpleName() + " failed", e);
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (cancellations != null) {
        cancellations.close();
      }
    }
    synchronized (reachabilityLock) {
      if (reachability != null) {
        reachability.close();
      }
    }
    producerMetrics.close();
    publisher.close();
    closeShared();
    // After the producer and the shared components: spans that ended as their last sends completed are in.
    tracing.close();
    metrics.process().close();
    if (ownsVertx) {
      vertx.close().await();
    }
  }
}
