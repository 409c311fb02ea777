package dev.fusion.common.contract;

/**
 * A request to stop a job, on the compacted cancellations topic keyed by job ID. Every worker process
 * keeps the set of cancelled jobs and skips them, so no further model calls are made for them.
 */
public record JobCancellation(int schemaVersion, String jobId, String tenant, long cancelledAtMs) implements Validated {
  public static final int SCHEMA_VERSION = 1;

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "JobCancellation");
    Validated.requireText(jobId, "job_id");
    if (cancelledAtMs <= 0) {
      // Always set when ingress cancels: without it the record is not one Fusion wrote.
      throw new IllegalArgumentException("missing cancelled_at_ms");
    }
  }
}
