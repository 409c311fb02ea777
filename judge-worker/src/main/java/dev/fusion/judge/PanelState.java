package dev.fusion.judge;

import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.logging.JobTrace;
import java.util.Map;
import java.util.TreeMap;

/**
 * The aggregate of one job in the state store: the job once seen, the answers by panel index (so a
 * replayed answer overwrites itself), and, once the panel was emitted, only a small "done" marker that
 * makes late or replayed answers no-ops. {@code trace} is the job's trace as its first record brought it
 * (null in states written before traces were kept), so a panel emitted at its deadline, when no record is
 * at hand, still continues it.
 */
public record PanelState(FusionJob job, Map<Integer, PanelAnswer> answers, long doneAtMs, JobTrace trace) {

  public static PanelState empty() {
    return new PanelState(null, new TreeMap<>(), 0, null);
  }

  public static PanelState done(long at) {
    return new PanelState(null, Map.of(), at, null);
  }

  public boolean isDone() {
    return doneAtMs > 0;
  }

  public PanelState withJob(FusionJob j) {
    return new PanelState(j, answers, doneAtMs, trace);
  }

  public PanelState withAnswer(PanelAnswer a) {
    Map<Integer, PanelAnswer> copy = new TreeMap<>(answers);
    copy.put(a.panelIndex(), a);
    return new PanelState(job, copy, doneAtMs, trace);
  }

  /** Keeps the first trace seen for the job. */
  public PanelState withTrace(JobTrace t) {
    return trace != null || t == null ? this : new PanelState(job, answers, doneAtMs, t);
  }

  public long successes() {
    return answers.values().stream().filter(PanelAnswer::ok).count();
  }

  public boolean allAnswered() {
    return job != null && answers.size() >= job.panelSize();
  }
}
