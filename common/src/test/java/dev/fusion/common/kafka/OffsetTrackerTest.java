package dev.fusion.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
  @Test
  void commitsOnlyTheContiguousFinishedPrefix() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.started(10);
    tracker.started(11);
    tracker.started(12);

    // Work finishing out of order must not move the commit past unfinished work.
    assertThat(tracker.finished(12)).isFalse();
    assertThat(tracker.committable()).isEqualTo(-1);
    assertThat(tracker.finished(10)).isTrue();
    assertThat(tracker.committable()).isEqualTo(11);
    assertThat(tracker.finished(11)).isTrue();
    assertThat(tracker.committable()).isEqualTo(13);
    assertThat(tracker.inFlight()).isZero();
  }

  @Test
  void unknownOffsetsDoNotMoveTheCommit() {
    OffsetTracker tracker = new OffsetTracker();
    tracker.started(5);
    assertThat(tracker.finished(4)).isFalse();
    assertThat(tracker.committable()).isEqualTo(-1);
  }
}
