package dev.fusion.common.kafka;

import dev.fusion.common.config.Env;
import dev.fusion.common.config.RecordBudget;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Client config factories. Producers are durable (acks=all, idempotent) and do not linger: Kafka 4's
 * default linger.ms=5 adds ~5 ms per hop. Consumers never auto-commit: workers commit finished work.
 */
public final class KafkaConfigs {
  private KafkaConfigs() {}

  /** How long a send may take, blocked or queued, before it fails: below a typical client's timeout. */
  public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);

  public static Properties producer(String bootstrapServers, String clientId) {
    return producer(bootstrapServers, clientId, RecordBudget.DEFAULT, DEFAULT_SEND_TIMEOUT);
  }

  /**
   * A producer that can write the largest record the budget allows, to any Fusion topic (rejections
   * included).
   *
   * @param sendTimeout bounds both how long {@code send()} may block (metadata, a full buffer) and how
   *     long a record may wait for its acknowledgement: while Kafka is down a send fails after it rather
   *     than after Kafka's defaults (60 s blocked, 120 s queued), and a record that failed was not
   *     written later on its own (except one already in flight, which the Idempotency-Key finds)
   */
  public static Properties producer(String bootstrapServers, String clientId, RecordBudget budget,
      Duration sendTimeout) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // No compression: with linger 0 batches are a record or two, and LZ4 set-up per batch (a 64 KB
    // buffer each) cost more CPU than it saved (seen in profiles of the benchmark).
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    int timeoutMs = (int) Math.max(1_000, sendTimeout.toMillis());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
    // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, timeoutMs));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, budget.producerMaxRequestBytes());
    return p;
  }

  /**
   * Sizes for a Kafka Streams app of the pipeline: its producer writes records as large as any stage's,
   * and the topics it creates (changelogs) take them. (Consumers need nothing: since KIP-74 a fetch returns
   * a record larger than {@code max.partition.fetch.bytes} rather than getting stuck on it.)
   */
  public static void streamsSizes(Properties p, RecordBudget budget) {
    p.put(StreamsConfigKeys.PRODUCER_MAX_REQUEST_SIZE, budget.producerMaxRequestBytes());
    p.put(StreamsConfigKeys.TOPIC_MAX_MESSAGE_BYTES, String.valueOf(budget.topicMaxMessageBytes()));
  }

  /** StreamsConfig's prefixes, spelled out: common does not depend on kafka-streams. */
  private static final class StreamsConfigKeys {
    static final String PRODUCER_MAX_REQUEST_SIZE = "producer." + ProducerConfig.MAX_REQUEST_SIZE_CONFIG;
    static final String TOPIC_MAX_MESSAGE_BYTES = "topic." + org.apache.kafka.common.config.TopicConfig.MAX_MESSAGE_BYTES_CONFIG;
  }

  public static Properties consumer(String bootstrapServers, String groupId, String clientId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    if (groupId != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
      membership(p, clientId);
    }
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Stages downstream of Kafka Streams (exactly-once) must not see aborted records.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // How long the broker holds a fetch while there is nothing to read; data ends it at once (fetch.min.bytes
    // is 1). Kafka's default: at 100 ms an idle dev mode's dozen consumers sent 120 fetches a second.
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, fetchWaitMs());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  /** How long the broker may hold a fetch of a group member (and the Streams app) that finds nothing to read. */
  public static final String FETCH_WAIT_VAR = "FUSION_CONSUMER_FETCH_WAIT_MS";
  private static final int MAX_FETCH_WAIT_MS = 10_000;

  /**
   * {@value #FETCH_WAIT_VAR}, default 500 ms. Records end a held fetch at once, so the wait costs no
   * latency; what it delays is a partition newly assigned to a member (a rebalance, a failover) while
   * that member's fetch is held, because the consumer sends one fetch per broker at a time. Longer waits
   * mean fewer fetches while idle; dev mode, one process with nothing to fail over to, uses 2 s.
   */
  public static int fetchWaitMs() {
    return (int) millis(FETCH_WAIT_VAR, 500, 1, MAX_FETCH_WAIT_MS);
  }

  public static final String STREAMS_IDLE_POLL_VAR = "FUSION_STREAMS_IDLE_POLL_MS";

  /**
   * {@value #STREAMS_IDLE_POLL_VAR}, default 250 ms, 5–5000: how long the judge aggregation's stream
   * thread waits for records once none came for a while. A record ends the wait at once; what it bounds is
   * how late an idle judge punctuates (a panel deadline), commits or stops. Dev mode uses 1 s.
   */
  public static Duration streamsIdlePoll() {
    return Duration.ofMillis(millis(STREAMS_IDLE_POLL_VAR, 250, 5, 5000));
  }

  /** A whole number of milliseconds from {@code min} to {@code max}; anything else is refused by name. */
  private static long millis(String var, long fallback, long min, long max) {
    return Env.millisInRange(var, setting(var, Long.toString(fallback)), min, max);
  }

  /** Environment variables (a JVM system property of the same name wins) that shape group membership. */
  public static final String GROUP_PROTOCOL_VAR = "FUSION_GROUP_PROTOCOL";
  public static final String INSTANCE_ID_VAR = "FUSION_INSTANCE_ID";
  public static final String STATIC_MEMBERSHIP_VAR = "FUSION_CONSUMER_STATIC_MEMBERSHIP";

  /**
   * Group consumers use the broker-driven rebalance protocol of KIP-848 by default: assignment is
   * incremental, so a member joining or dying moves only its own partitions and the others keep
   * working; the session timeout that decides how soon a killed member's partitions move is the
   * broker's {@code group.consumer.session.timeout.ms} (docs/architecture.md, Recovery).
   *
   * <p>Static membership ({@code group.instance.id} = instance ID + client ID) is opt-in for plain
   * consumers: under KIP-848 a static member that was killed keeps its partitions until its session
   * expires and its restarted successor is refused ({@code UNRELEASED_INSTANCE_ID}) until then, so it
   * does not shorten recovery from a crash; it only spares a rebalance on a clean restart.
   */
  private static void membership(Properties p, String clientId) {
    String protocol = setting(GROUP_PROTOCOL_VAR, "consumer");
    p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
    String instance = setting(INSTANCE_ID_VAR, null);
    if (instance != null && Boolean.parseBoolean(setting(STATIC_MEMBERSHIP_VAR, "false"))) {
      p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance + "-" + clientId);
    }
  }

  public static final String STREAMS_STANDBY_VAR = "FUSION_STREAMS_STANDBY_REPLICAS";
  public static final String STREAMS_SESSION_TIMEOUT_VAR = "FUSION_STREAMS_SESSION_TIMEOUT_MS";

  /**
   * Membership of a Kafka Streams app: the classic rebalance protocol (Streams' own KIP-1071 protocol in
   * 4.3 has no static membership and ignores the client's standby setting), with static membership when
   * the process has an instance ID, so a restarted instance gets its tasks back at once, without a
   * rebalance; a session timeout short enough that a killed instance's tasks move within seconds; and
   * warm standby replicas, so those tasks move to an instance that already has their state.
   */
  public static void streamsMembership(Properties p, String memberName) {
    String instance = instanceId();
    if (instance != null) {
      p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance + "-" + memberName);
    }
    // The broker refuses a session timeout outside its group.min/max.session.timeout.ms (defaults 6 s-30 min).
    int sessionMs = (int) millis(STREAMS_SESSION_TIMEOUT_VAR, 6000, 1000, 1_800_000);
    p.put("consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionMs);
    p.put("consumer." + ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(500, sessionMs / 4));
    p.put("num.standby.replicas", Integer.parseInt(setting(STREAMS_STANDBY_VAR, "1")));
  }

  /** This process's stable instance ID ({@value #INSTANCE_ID_VAR}), or null when it has none. */
  public static String instanceId() {
    return setting(INSTANCE_ID_VAR, null);
  }

  public static final String START_TIMEOUT_VAR = "FUSION_START_TIMEOUT_MS";

  /**
   * How long a service's {@code start()} may wait to become ready (its first partition assignment, its
   * readers caught up, Streams RUNNING with its stores restored) before the start fails
   * ({@value #START_TIMEOUT_VAR}, default 120 s, 1 s to 1 h).
   */
  public static Duration startTimeout() {
    return Duration.ofMillis(millis(START_TIMEOUT_VAR, 120_000, 1000, 3_600_000));
  }

  private static String setting(String name, String fallback) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank()) {
      value = System.getenv(name);
    }
    return value == null || value.isBlank() ? fallback : value.trim();
  }
}
