package dev.fusion.common.tracing;

import dev.fusion.common.logging.JobTrace;

/**
 * A stage's span of work on a job: the trace context the stage writes downstream ({@link #trace()}, whose
 * span ID is this span's) and, when spans are exported, the span itself, ended with {@link #end} when the
 * work is done. Not exported, a span is just its {@link JobTrace}: nothing to record, nothing to end.
 */
public interface StageSpan {
  /** The context this stage's records carry: the trace, this span's ID, the tenant and batch. */
  JobTrace trace();

  /** Records the job the work is on ({@code fusion.job_id}), when it was not known at the start. */
  default StageSpan job(String jobId) {
    return this;
  }

  /** Records an attribute of bounded value (a model ID, an outcome); never prompt or answer text. */
  default StageSpan attribute(String key, String value) {
    return this;
  }

  /** Ends the span: done, or failed with {@code error} (its type is the status description). */
  default void end(Throwable error) {
  }

  /** Ends the span as failed for {@code reason}, a bounded word ({@code rate_limited}, {@code timeout}). */
  default void endFailed(String reason) {
  }
}
