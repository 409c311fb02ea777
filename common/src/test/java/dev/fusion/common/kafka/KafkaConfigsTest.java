package dev.fusion.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KafkaConfigsTest {

  @AfterEach
  void clearOverrides() {
    System.clearProperty(KafkaConfigs.INSTANCE_ID_VAR);
    System.clearProperty(KafkaConfigs.STATIC_MEMBERSHIP_VAR);
    System.clearProperty(KafkaConfigs.GROUP_PROTOCOL_VAR);
    System.clearProperty(KafkaConfigs.FETCH_WAIT_VAR);
    System.clearProperty(KafkaConfigs.STREAMS_IDLE_POLL_VAR);
    System.clearProperty(KafkaConfigs.STREAMS_SESSION_TIMEOUT_VAR);
    System.clearProperty(KafkaConfigs.START_TIMEOUT_VAR);
  }

  @Test
  void theFetchWaitIsHalfASecondUnlessSetAndANonsenseValueIsRefusedByName() {
    assertThat(KafkaConfigs.consumer("b:9092", "g", "c").get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)).isEqualTo(500);

    System.setProperty(KafkaConfigs.FETCH_WAIT_VAR, "2000");
    assertThat(KafkaConfigs.consumer("b:9092", "g", "c").get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG)).isEqualTo(2000);

    assertRefusedByName(KafkaConfigs.FETCH_WAIT_VAR, () -> KafkaConfigs.consumer("b:9092", "g", "c"),
        "0", "10001", "2s", "-5");
  }

  @Test
  void theStreamsIdlePollIsAQuarterSecondUnlessSetAndANonsenseValueIsRefusedByName() {
    assertThat(KafkaConfigs.streamsIdlePoll()).isEqualTo(java.time.Duration.ofMillis(250));

    System.setProperty(KafkaConfigs.STREAMS_IDLE_POLL_VAR, "1000");
    assertThat(KafkaConfigs.streamsIdlePoll()).isEqualTo(java.time.Duration.ofSeconds(1));

    assertRefusedByName(KafkaConfigs.STREAMS_IDLE_POLL_VAR, KafkaConfigs::streamsIdlePoll, "4", "5001", "1s");
  }

  @Test
  void groupConsumersUseTheIncrementalKip848ProtocolAndGroupLessOnesAreLeftAlone() {
    assertThat(KafkaConfigs.consumer("b:9092", "fusion-panel-worker", "panel-worker")
        .get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)).isEqualTo("consumer");
    assertThat(KafkaConfigs.consumer("b:9092", null, "jobs-view")).doesNotContainKey(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
  }

  @Test
  void theClassicProtocolCanBeChosenForOldBrokers() {
    System.setProperty(KafkaConfigs.GROUP_PROTOCOL_VAR, "classic");
    assertThat(KafkaConfigs.consumer("b:9092", "g", "c").get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)).isEqualTo("classic");
  }

  @Test
  void plainConsumersAreStaticMembersOnlyWhenAskedTo() {
    System.setProperty(KafkaConfigs.INSTANCE_ID_VAR, "panel-7");
    assertThat(KafkaConfigs.consumer("b:9092", "g", "panel-worker")).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);

    System.setProperty(KafkaConfigs.STATIC_MEMBERSHIP_VAR, "true");
    assertThat(KafkaConfigs.consumer("b:9092", "g", "panel-worker").get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG))
        .isEqualTo("panel-7-panel-worker");
  }

  @Test
  void streamsAppIsAStaticMemberWithAShortSessionAndAStandbyWhenTheProcessHasAnInstanceId() {
    var withoutId = new java.util.Properties();
    KafkaConfigs.streamsMembership(withoutId, "judge-aggregation");
    assertThat(withoutId).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);

    System.setProperty(KafkaConfigs.INSTANCE_ID_VAR, "judge-1");
    var p = new java.util.Properties();
    KafkaConfigs.streamsMembership(p, "judge-aggregation");
    assertThat(p.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)).isEqualTo("judge-1-judge-aggregation");
    assertThat(p.get("consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)).isEqualTo(6000);
    assertThat(p.get("num.standby.replicas")).isEqualTo(1);
  }

  @Test
  void theStartTimeoutAndTheStreamsSessionTimeoutAreRefusedByNameOutOfRange() {
    assertThat(KafkaConfigs.startTimeout()).isEqualTo(java.time.Duration.ofMinutes(2));
    System.setProperty(KafkaConfigs.START_TIMEOUT_VAR, "30000");
    assertThat(KafkaConfigs.startTimeout()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertRefusedByName(KafkaConfigs.START_TIMEOUT_VAR, KafkaConfigs::startTimeout, "0", "3600001", "2m");

    System.setProperty(KafkaConfigs.STREAMS_SESSION_TIMEOUT_VAR, "10000");
    var p = new java.util.Properties();
    KafkaConfigs.streamsMembership(p, "judge-aggregation");
    assertThat(p.get("consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG)).isEqualTo(10000);
    assertThat(p.get("consumer." + ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG)).isEqualTo(2500);
    assertRefusedByName(KafkaConfigs.STREAMS_SESSION_TIMEOUT_VAR,
        () -> KafkaConfigs.streamsMembership(new java.util.Properties(), "judge-aggregation"), "999", "1800001", "six");
  }

  /** Each of {@code bad}, set as {@code var}, makes {@code read} throw a message naming the variable and the value. */
  private static void assertRefusedByName(String var, org.assertj.core.api.ThrowableAssert.ThrowingCallable read,
      String... bad) {
    for (String value : bad) {
      System.setProperty(var, value);
      org.assertj.core.api.Assertions.assertThatThrownBy(read)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(var).hasMessageContaining(value);
    }
  }
}
