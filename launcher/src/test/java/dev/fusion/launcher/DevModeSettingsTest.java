package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.kafka.KafkaConfigs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What dev mode changes for a process that is mostly idle, and that a user's own setting wins. */
class DevModeSettingsTest {
  @AfterEach
  void clear() { // Other test classes of this JVM run with the defaults.
    System.clearProperty(KafkaConfigs.FETCH_WAIT_VAR);
    System.clearProperty(KafkaConfigs.STREAMS_IDLE_POLL_VAR);
  }

  @Test
  void devModeWaitsLongerWhileIdleUnlessTheUserSetTheWaits() {
    // Given nothing set, dev mode's idle waits apply
    DevMode.idleDefaults(Map.of());
    assertThat(KafkaConfigs.fetchWaitMs()).isEqualTo(2000);
    assertThat(KafkaConfigs.streamsIdlePoll()).isEqualTo(Duration.ofSeconds(1));
    clear();

    // Given the user's own values, in the environment or as system properties, they are kept
    DevMode.idleDefaults(Map.of(KafkaConfigs.FETCH_WAIT_VAR, "700"));
    assertThat(System.getProperty(KafkaConfigs.FETCH_WAIT_VAR)).isNull(); // read from the environment
    assertThat(KafkaConfigs.streamsIdlePoll()).isEqualTo(Duration.ofSeconds(1));
    clear();
    System.setProperty(KafkaConfigs.STREAMS_IDLE_POLL_VAR, "300");
    DevMode.idleDefaults(Map.of());
    assertThat(KafkaConfigs.streamsIdlePoll()).isEqualTo(Duration.ofMillis(300));
    clear();

    // Given a blank value, which KafkaConfigs reads as unset, dev mode's value applies
    DevMode.idleDefaults(Map.of(KafkaConfigs.FETCH_WAIT_VAR, " "));
    assertThat(KafkaConfigs.fetchWaitMs()).isEqualTo(2000);
  }

  @Test
  void devModesBrokerHeartbeatsEveryTwoSecondsWithTheSameSessionTimeoutAndHasTwoRequestHandlers(@TempDir Path dir) {
    Properties dev = DevMode.broker(dir, 0).brokerProperties(dir.resolve("log"));
    assertThat(dev.getProperty("group.consumer.heartbeat.interval.ms")).isEqualTo("2000");
    assertThat(dev.getProperty("group.consumer.session.timeout.ms")).isEqualTo("6000");
    assertThat(dev.getProperty("num.io.threads")).isEqualTo("2");
    Properties other = new EmbeddedKafka(dir, 0).brokerProperties(dir.resolve("log"));
    assertThat(other.getProperty("group.consumer.heartbeat.interval.ms")).isEqualTo("1000");
    assertThat(other.getProperty("num.io.threads")).isEqualTo("4");

    assertThatThrownBy(() -> new EmbeddedKafka(dir, 0).groupHeartbeat(Duration.ofMillis(100)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100 ms");
    assertThatThrownBy(() -> new EmbeddedKafka(dir, 0).requestHandlers(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
  }
}
