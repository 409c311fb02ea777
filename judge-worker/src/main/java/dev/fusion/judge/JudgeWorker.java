package dev.fusion.judge;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.kafka.AsyncConsumerWorker;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.gateway.ModelGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The judge stage: a Kafka Streams aggregation that decides when a panel is complete, and an async
 * judge caller that consumes complete panels and calls the judge model off the Streams thread.
 */
public final class JudgeWorker implements Service {
  public static final String APPLICATION = "fusion-judge-worker";
  public static final String CALLER_GROUP = "fusion-judge-caller";

  private final StageContext ctx;
  private final KafkaStreams streams;
  private final AsyncConsumerWorker<PanelSet> caller;

  public JudgeWorker(StageContext ctx) {
    this.ctx = ctx;
    FusionConfig config = ctx.config();
    PanelCompletion completion = new PanelCompletion(config.panelDeadline(), config.panelQuorum());
    this.streams = new KafkaStreams(
        JudgeTopology.build(ctx.topics(), completion, Duration.ofMillis(250), Duration.ofMinutes(30)),
        streamsProps(config, ctx.topics().rejections().name()));
    JudgeCaller judge = new JudgeCaller(ctx);
    this.caller = new AsyncConsumerWorker<>("judge-caller", ctx.topics().panels(),
        KafkaConfigs.consumer(config.bootstrapServers(), config.topicPrefix() + CALLER_GROUP, "judge-caller"),
        judge::handle, ctx.deadLetters(), config.judgeMaxInFlight(), ModelGateway.of(ctx)::saturated)
        .attemptsPausedWhile(ctx::kafkaKnownUnreachable);
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
    // The stream thread commits (and so publishes, under exactly-once) only between polls: a short poll
    // keeps an idle thread from holding a finished panel back for the default 100 ms.
    p.put(StreamsConfig.POLL_MS_CONFIG, 5L);
    // Jobs and answers need no cross-topic time ordering (an answer may come before its job), so
    // never hold one partition's records back waiting for the other's.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 50);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    KafkaConfigs.streamsSizes(p, config.recordBudget());
    KafkaConfigs.streamsMembership(p, "judge-aggregation");
    return p;
  }

  private static Path stateDir(FusionConfig config) {
    // With an instance ID the directory is stable, so a restarted instance finds its stores and does not
    // restore them from the changelogs. Without one, one directory per instance: two instances in one
    // JVM (tests) must not share a state lock.
    String instance = KafkaConfigs.instanceId();
    String dir = instance != null ? instance : UUID.randomUUID().toString().substring(0, 8);
    return config.dataDir().resolve("judge-streams").resolve(dir);
  }

  @Override
  public void start() {
    streams.setUncaughtExceptionHandler(StreamsDeadLetters.uncaughtHandler());
    streams.start();
    caller.start();
  }

  @Override
  public void stop() {
    caller.stop();
    streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(10)));
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
