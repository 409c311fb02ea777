package dev.fusion.judge;

import static dev.fusion.judge.IdleBackOffClients.ACTIVE_WINDOW;
import static dev.fusion.judge.IdleBackOffClients.BUSY_POLL;
import static dev.fusion.judge.IdleBackOffClients.pollTimeout;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The stream thread's poll: brief while records flow, the configured idle wait once they stopped. */
class IdleBackOffClientsTest {
  private static final Duration IDLE = dev.fusion.common.kafka.KafkaConfigs.streamsIdlePoll();

  @Test
  void whileRecordsFlowThePollIsBrief() {
    assertThat(pollTimeout(IDLE, 0)).isEqualTo(BUSY_POLL);
    assertThat(pollTimeout(IDLE, ACTIVE_WINDOW.toNanos() - 1)).isEqualTo(BUSY_POLL);
  }

  @Test
  void onceTheyStoppedForTheWindowThePollWaitsAsAsked() {
    assertThat(pollTimeout(IDLE, ACTIVE_WINDOW.toNanos())).isEqualTo(IDLE);
    assertThat(pollTimeout(IDLE, Long.MAX_VALUE)).isEqualTo(IDLE);
  }

  @Test
  void aShorterPollThanTheBriefOneIsKept() {
    // Streams polls with zero while it restores or rebalances: that must not become a wait.
    assertThat(pollTimeout(Duration.ZERO, 0)).isEqualTo(Duration.ZERO);
    assertThat(pollTimeout(Duration.ofMillis(1), 0)).isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void theIdleWaitIsLongerThanTheBriefPoll() {
    // Otherwise the back-off would do nothing (and the busy poll would lengthen polls).
    assertThat(IDLE).isGreaterThan(BUSY_POLL);
  }
}
