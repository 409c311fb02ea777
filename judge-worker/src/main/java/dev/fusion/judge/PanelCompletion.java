package dev.fusion.judge;

import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When a panel is complete, decided without any Kafka in sight: every model reported; or the deadline
 * passed and at least {@code quorum} answered successfully; or twice the deadline passed, when the
 * panel goes on with whatever it has (possibly nothing, which the result reports honestly).
 */
public final class PanelCompletion {
  private final Duration deadline;
  private final int quorum;

  public PanelCompletion(Duration deadline, int quorum) {
    this.deadline = deadline;
    this.quorum = Math.max(1, quorum);
  }

  public long deadlineOf(PanelState state) {
    return state.job().acceptedAtMs() + deadline.toMillis();
  }

  public long hardDeadlineOf(PanelState state) {
    return state.job().acceptedAtMs() + 2 * deadline.toMillis();
  }

  /** Returns the completion kind if the panel should be emitted now, or null to keep waiting. */
  public String check(PanelState state, long nowMs) {
    if (state.job() == null || state.isDone()) {
      return null;
    }
    if (state.allAnswered()) {
      return PanelSet.ALL_ANSWERED;
    }
    int needed = Math.min(quorum, state.job().panelSize());
    if (nowMs >= deadlineOf(state) && state.successes() >= needed) {
      return PanelSet.DEADLINE;
    }
    if (nowMs >= hardDeadlineOf(state)) {
      return PanelSet.DEADLINE;
    }
    return null;
  }

  /** The panel set to emit: answers in panel order, a timeout failure for each model that never reported. */
  public PanelSet toPanelSet(PanelState state, String completion, long nowMs) {
    List<PanelAnswer> answers = new ArrayList<>();
    var job = state.job();
    for (int i = 0; i < job.panelSize(); i++) {
      PanelAnswer a = state.answers().get(i);
      answers.add(a != null ? a : PanelAnswer.failure(job.jobId(), i, job.analysisModels().get(i),
          FailureReasons.TIMEOUT, null, "no answer before the panel deadline", job.acceptedAtMs(), nowMs));
    }
    return new PanelSet(PanelSet.SCHEMA_VERSION, job.jobId(), job, answers, completion, nowMs);
  }
}
