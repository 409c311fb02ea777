package dev.fusion.ingress.view;

import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Submission;

/** What a poll sees of a job: its status, and the result once there is one. */
public record JobView(String jobId, String tenant, String status, long acceptedAtMs, long updatedAtMs,
    FusionResult result, Submission submission) {

  public static final String QUEUED = "queued";
  public static final String RUNNING = "running";

  public JobView(String jobId, String tenant, String status, long acceptedAtMs, long updatedAtMs,
      FusionResult result) {
    this(jobId, tenant, status, acceptedAtMs, updatedAtMs, result, null);
  }

  JobView withResult(FusionResult r) {
    return new JobView(jobId, tenant, status, acceptedAtMs, updatedAtMs, r, submission);
  }

  /** When the job finished: its result's completion time, or (without a result) its last update. */
  long finishedAtMs() {
    return result != null ? result.completedAtMs() : updatedAtMs;
  }

  /** Status only moves forward: queued, running, then completed, failed or cancelled. */
  static int rank(String status) {
    return switch (status) {
      case QUEUED -> 0;
      case RUNNING -> 1;
      default -> 2;
    };
  }

  public boolean isTerminal() {
    return rank(status) == 2;
  }

  public boolean isCancelled() {
    return FusionResult.CANCELLED.equals(status);
  }

  /** Whether {@code tenant} may see this job; a job whose owner is not known yet is nobody's. */
  public boolean ownedBy(String tenant) {
    return this.tenant != null && this.tenant.equals(tenant);
  }
}
