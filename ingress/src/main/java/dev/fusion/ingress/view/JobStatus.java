package dev.fusion.ingress.view;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.fusion.common.contract.FusionResult;

/**
 * Where a job is. Status only moves forward: {@code queued} (the job is known), {@code running} (a stage
 * reported on it), then one of the terminal statuses, which only a result record brings. On the wire and
 * in the view's store a status is its lower-case name.
 */
public enum JobStatus {
  QUEUED("queued", 0),
  RUNNING("running", 1),
  COMPLETED(FusionResult.COMPLETED, 2),
  FAILED(FusionResult.FAILED, 2),
  CANCELLED(FusionResult.CANCELLED, 2);

  private final String wire;
  private final int rank;

  JobStatus(String wire, int rank) {
    this.wire = wire;
    this.rank = rank;
  }

  /** The JSON value ({@code "queued"}, ...). */
  @JsonValue
  public String wire() {
    return wire;
  }

  @Override
  public String toString() {
    return wire;
  }

  /** The status named {@code wire}; null for anything else. */
  public static JobStatus parse(String wire) {
    for (JobStatus s : values()) {
      if (s.wire.equals(wire)) {
        return s;
      }
    }
    return null;
  }

  /** For the store's JSON: an unknown name is an error, never a guess. */
  @JsonCreator
  static JobStatus fromJson(String wire) {
    JobStatus s = parse(wire);
    if (s == null) {
      throw new IllegalArgumentException("unknown job status '" + wire + "'");
    }
    return s;
  }

  /** The status a result record's {@code status} gives its job: one of the terminal ones. */
  public static JobStatus ofResult(String status) {
    JobStatus s = parse(status);
    if (s == null || !s.isTerminal()) {
      throw new IllegalArgumentException("a result's status must be completed, failed or cancelled; got '"
          + status + "'");
    }
    return s;
  }

  public boolean isTerminal() {
    return rank == 2;
  }

  /** Running or further along: a stage has reported on the job, or it finished. */
  public boolean hasStarted() {
    return rank >= 1;
  }
}
