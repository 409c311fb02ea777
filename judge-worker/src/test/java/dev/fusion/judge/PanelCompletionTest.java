package dev.fusion.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.contract.Usage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PanelCompletionTest {
  private static final long T0 = 1_000_000;
  private final PanelCompletion completion = new PanelCompletion(Duration.ofSeconds(10), 2);
  private final FusionJob job = new FusionJob(1, "job_1", "t", List.of(ChatMessage.user("q")),
      List.of("m/a", "m/b", "m/c"), "j", "s", null, null, T0);

  private static PanelAnswer ok(int i) {
    return PanelAnswer.success("job_1", i, "m/" + i, "m/" + i, "answer " + i, Usage.ZERO, T0, T0 + 1);
  }

  @Test
  void completesWhenEveryModelReported() {
    PanelState state = PanelState.empty().withJob(job).withAnswer(ok(0)).withAnswer(ok(1))
        .withAnswer(PanelAnswer.failure("job_1", 2, "m/c", "timeout", null, "x", T0, T0));
    assertThat(completion.check(state, T0 + 1)).isEqualTo(PanelSet.ALL_ANSWERED);
  }

  @Test
  void aReplayedAnswerDoesNotCountTwice() {
    PanelState state = PanelState.empty().withJob(job).withAnswer(ok(0)).withAnswer(ok(0)).withAnswer(ok(1));
    assertThat(state.answers()).hasSize(2);
    assertThat(completion.check(state, T0 + 1)).isNull();
  }

  @Test
  void afterTheDeadlineTheQuorumIsEnoughAndMissingModelsBecomeTimeouts() {
    PanelState state = PanelState.empty().withJob(job).withAnswer(ok(0)).withAnswer(ok(1));
    assertThat(completion.check(state, T0 + 9_999)).isNull();
    assertThat(completion.check(state, T0 + 10_000)).isEqualTo(PanelSet.DEADLINE);
    PanelSet set = completion.toPanelSet(state, PanelSet.DEADLINE, T0 + 10_000);
    assertThat(set.answers()).hasSize(3);
    assertThat(set.answers().get(2).ok()).isFalse();
    assertThat(set.answers().get(2).failureReason()).isEqualTo("timeout");
  }

  @Test
  void belowQuorumItWaitsUntilTheHardDeadline() {
    PanelState state = PanelState.empty().withJob(job).withAnswer(ok(0));
    assertThat(completion.check(state, T0 + 10_000)).isNull();
    assertThat(completion.check(state, T0 + 20_000)).isEqualTo(PanelSet.DEADLINE);
  }

  @Test
  void answersWithoutTheJobWait() {
    PanelState state = PanelState.empty().withAnswer(ok(0)).withAnswer(ok(1)).withAnswer(ok(2));
    assertThat(completion.check(state, T0 + 100_000)).isNull();
  }

  @Test
  void dueKeysSortByTimeThenJob() {
    assertThat(new PanelAggregator.Due(999, "b")).isLessThan(new PanelAggregator.Due(1000, "a"));
    assertThat(new PanelAggregator.Due(1000, "a")).isLessThan(new PanelAggregator.Due(1000, "b"));
  }
}
