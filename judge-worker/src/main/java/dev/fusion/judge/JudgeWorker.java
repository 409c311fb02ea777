package dev.fusion.judge;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.kafka.AsyncConsumerWorker;
import dev.fusion.common.kafka.FailureKind;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.Readiness;
import dev.fusion.common.metrics.FusionMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import dev.fusion.gateway.ModelGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The judge stage: a Kafka Streams aggregation that decides when a panel is complete, and an async
 * judge caller that consumes complete panels and calls the judge model off the Streams thread.
 */
public final class JudgeWorker implements Service {
  public static final String APPLICATION = "fusion-judge-worker";
  public static final String CALLER_GROUP = "fusion-judge-caller";

  private static final Logger LOG = LoggerFactory.getLogger(JudgeWorker.class);
  private final StageContext ctx;
  private final Path stateDir;
  private final KafkaStreams streams;
  private final AsyncConsumerWorker<PanelSet> caller;
  private final RestoreCounter restores = new RestoreCounter();
  private volatile String lastStreamsFailure;
  private KafkaStreamsMetrics streamsMetrics;

  public JudgeWorker(StageContext ctx) {
    this.ctx = ctx;
    FusionConfig config = ctx.config();
    PanelCompletion completion = new PanelCompletion(config.panelDeadline(), config.panelQuorum());
    this.stateDir = stateDir(config);
    this.streams = new KafkaStreams(
        JudgeTopology.build(ctx.topics(), completion, Duration.ofMillis(250), Duration.ofMinutes(30),
            ctx.tracing()),
        streamsProps(config, ctx.topics().rejections().name()), new IdleBackOffClients());
    JudgeCaller judge = new JudgeCaller(ctx);
    this.caller = new AsyncConsumerWorker<>("judge-caller", ctx.topics().panels(),
        KafkaConfigs.consumer(config.bootstrapServers(), config.topicPrefix() + CALLER_GROUP, "judge-caller"),
        judge::handle, ctx.deadLetters(), config.judgeMaxInFlight(), ModelGateway.ofModelStage(ctx)::saturated)
        .attemptsPausedWhile(ctx::kafkaKnownUnreachable)
        .metered(ctx.metrics(), FusionMetrics.STAGE_JUDGE)
        .traced(ctx.tracing(), "fusion." + FusionMetrics.STAGE_JUDGE);
  }

  static Properties streamsProps(FusionConfig config, String rejectionsTopic) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.topicPrefix() + APPLICATION);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        config.streamsExactlyOnce() ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    // Under exactly-once, downstream sees a panel only after the commit: keep the interval short.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.streamsCommitInterval().toMillis());
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir(config).toString());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.topicReplication());
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class);
    StreamsDeadLetters.configure(p, rejectionsTopic);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 32L * 1024 * 1024);
    // The stream thread commits (and so publishes, under exactly-once) and punctuates only between polls.
    // This is the wait of an idle thread (FUSION_STREAMS_IDLE_POLL_MS): it bounds how late an idle judge
    // punctuates (a panel deadline), commits or stops. While records flow, IdleBackOffClients polls for
    // 5 ms at most, so a finished panel is not held back, and an idle judge does not loop 200 times a second.
    p.put(StreamsConfig.POLL_MS_CONFIG, KafkaConfigs.streamsIdlePoll().toMillis());
    // Jobs and answers need no cross-topic time ordering (an answer may come before its job), so
    // never hold one partition's records back waiting for the other's.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
    // How long the broker holds an empty fetch; arriving data ends it at once. 500 ms (Kafka's default), not
    // 50: an idle judge sent twenty fetches a second.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), KafkaConfigs.fetchWaitMs());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    KafkaConfigs.streamsSizes(p, config.recordBudget());
    KafkaConfigs.streamsMembership(p, "judge-aggregation");
    return p;
  }

  /**
   * The aggregation's state directory: {@code FUSION_DATA_DIR/judge-streams/<instance>}, stable across
   * restarts, so a restarted instance finds its stores (and their checkpoints) and restores only what
   * the changelogs got since, instead of everything. The instance is {@code FUSION_INSTANCE_ID}, or
   * {@value #DEFAULT_INSTANCE} without one; two judge workers on one data directory need distinct IDs
   * (Streams refuses to share a state directory). Tests get a fresh data directory, so a fresh state.
   */
  static Path stateDir(FusionConfig config) {
    String instance = KafkaConfigs.instanceId();
    return config.dataDir().resolve("judge-streams").resolve(instance != null ? instance : DEFAULT_INSTANCE);
  }

  static final String DEFAULT_INSTANCE = "default";

  /**
   * Returns once the judge worker is ready: the cancellations caught up, the aggregation RUNNING (every
   * task assigned and its stores restored) and the judge caller assigned. Throws, stopped, when the
   * aggregation failed first or is not running within the start timeout
   * ({@link KafkaConfigs#startTimeout()}).
   */
  @Override
  public void start() {
    ctx.cancellations(); // Know every earlier cancellation before the first panel is judged.
    StreamsUncaughtExceptionHandler policy = StreamsDeadLetters.uncaughtHandler();
    streams.setUncaughtExceptionHandler(e -> {
      lastStreamsFailure = FailureKind.describe(e);
      return policy.handle(e);
    });
    streams.setGlobalStateRestoreListener(restores);
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(ctx.metrics().registry());
    long started = System.currentTimeMillis();
    try {
      streams.start();
      // The caller reads the aggregation's output topic, not its stores: it joins its group while Streams
      // rebalances and restores, so a start waits for the slower of the two, not both in turn.
      caller.start();
      try {
        Readiness.require("judge aggregation", KafkaConfigs.startTimeout(),
            () -> streams.state() == KafkaStreams.State.RUNNING, this::streamsFailure);
      } catch (RuntimeException e) {
        caller.stop();
        throw e;
      }
      LOG.info("judge aggregation RUNNING after {} ms; {} records restored from changelogs ({})",
          System.currentTimeMillis() - started, restores.restored(), stateDir);
    } catch (RuntimeException e) {
      closeStreams();
      throw e;
    }
  }

  /** Why the aggregation cannot become RUNNING any more, or null while it still may. */
  private String streamsFailure() {
    KafkaStreams.State state = streams.state();
    if (state == KafkaStreams.State.CREATED || state == KafkaStreams.State.REBALANCING
        || state == KafkaStreams.State.RUNNING) {
      return null;
    }
    return "the Streams client is " + state + (lastStreamsFailure == null ? "" : ": " + lastStreamsFailure);
  }

  /** Changelog records restored into this worker's stores since it was made (0 when its state was current). */
  public long restoredRecords() {
    return restores.restored();
  }

  @Override
  public void stop() {
    // Independent, and each waits for its consumers' close: side by side.
    CompletableFuture<Void> callerStopped =
        CompletableFuture.runAsync(caller::stop, r -> new Thread(r, "judge-caller-stop").start());
    closeStreams();
    callerStopped.join();
  }

  private void closeStreams() {
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    var leave = CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP);
    if (!streams.close(leave.withTimeout(Duration.ofSeconds(10)))) {
      // Its state directory stays locked until it is closed: a successor in this JVM could not start.
      LOG.warn("judge aggregation not closed within 10 s; waiting up to 30 s more");
      streams.close(Duration.ofSeconds(30));
    }
  }

  @Override
  public boolean isReady() {
    return streams.state() == KafkaStreams.State.RUNNING && caller.isReady() && ctx.cancellationsReady();
  }

  @Override
  public String name() {
    return "judge-worker";
  }
}
