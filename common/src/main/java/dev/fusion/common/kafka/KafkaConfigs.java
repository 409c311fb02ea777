package dev.fusion.common.kafka;

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

  public static Properties producer(String bootstrapServers, String clientId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // No compression: with linger 0 batches are a record or two, and LZ4 set-up per batch (a 64 KB
    // buffer each) cost more CPU than it saved (seen in profiles of the benchmark).
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
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
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
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
    int sessionMs = Integer.parseInt(setting(STREAMS_SESSION_TIMEOUT_VAR, "6000"));
    p.put("consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionMs);
    p.put("consumer." + ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(500, sessionMs / 4));
    p.put("num.standby.replicas", Integer.parseInt(setting(STREAMS_STANDBY_VAR, "1")));
  }

  /** This process's stable instance ID ({@value #INSTANCE_ID_VAR}), or null when it has none. */
  public static String instanceId() {
    return setting(INSTANCE_ID_VAR, null);
  }

  private static String setting(String name, String fallback) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank()) {
      value = System.getenv(name);
    }
    return value == null || value.isBlank() ? fallback : value.trim();
  }
}
