package dev.fusion.ingress.view;

import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Submission;

/**
 * What a poll sees of a job: its status, and the result once there is one. {@code rejudgeOf} names the
 * job a rejudge judges again; the instance that accepted the rejudge knows it from the start, others
 * once its result arrives (a rejudge has no record on the jobs topic).
 */
public record JobView(String jobId, String tenant, JobStatus status, long acceptedAtMs, long updatedAtMs,
    FusionResult result, Submission submission, String rejudgeOf) {

  public JobView(String jobId, String tenant, JobStatus status, long acceptedAtMs, long updatedAtMs,
      FusionResult result, Submission submission) {
    this(jobId, tenant, status, acceptedAtMs, updatedAtMs, result, submission, null);
  }

  public JobView(String jobId, String tenant, JobStatus status, long acceptedAtMs, long updatedAtMs,
      FusionResult result) {
    this(jobId, tenant, status, acceptedAtMs, updatedAtMs, result, null, null);
  }

  JobView withResult(FusionResult r) {
    return new JobView(jobId, tenant, status, acceptedAtMs, updatedAtMs, r, submission, rejudgeOf);
  }

  /** The state the store keeps: the result has a key of its own, so the state is rewritten without it. */
  JobView withoutResult() {
    return result == null ? this
        : new JobView(jobId, tenant, status, acceptedAtMs, updatedAtMs, null, submission, rejudgeOf);
  }

  /** When the job finished: its result's completion time, or (without a result) its last update. */
  long finishedAtMs() {
    return result != null ? result.completedAtMs() : updatedAtMs;
  }

  public boolean isTerminal() {
    return status.isTerminal();
  }

  public boolean isCancelled() {
    return status == JobStatus.CANCELLED;
  }

  /** Whether {@code tenant} may see this job; a job whose owner is not known yet is nobody's. */
  public boolean ownedBy(String tenant) {
    return this.tenant != null && this.tenant.equals(tenant);
  }

  /** The job this one judges again, if it is a rejudge: as recorded, or as its result says. */
  @Override
  public String rejudgeOf() {
    return rejudgeOf != null || result == null ? rejudgeOf : result.rejudgeOf();
  }
}
