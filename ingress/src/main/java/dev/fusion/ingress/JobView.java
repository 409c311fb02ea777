package dev.fusion.ingress;

import dev.fusion.common.contract.FusionResult;

/** What a poll sees of a job: its status, and the result once there is one. */
public record JobView(String jobId, String tenant, String status, long acceptedAtMs, long updatedAtMs,
    FusionResult result) {

  public static final String QUEUED = "queued";
  public static final String RUNNING = "running";

  /** Status only moves forward: queued, running, then completed or failed. */
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
}
