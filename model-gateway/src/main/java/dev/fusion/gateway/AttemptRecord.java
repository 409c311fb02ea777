package dev.fusion.gateway;

/**
 * One HTTP attempt of a call, for diagnostics and tests: the model asked, when the attempt started
 * waiting for a limit, when it was sent, when it ended, and how ({@code ok} or a failure reason from
 * {@link dev.fusion.common.contract.FailureReasons}). Times are epoch milliseconds from one monotonic
 * clock, so they can be compared with each other.
 */
public record AttemptRecord(String model, int attempt, long queuedAtMs, long sentAtMs, long endedAtMs,
    String outcome, Integer status, long retryAfterMs) {
  public static final String OK = "ok";

  public boolean ok() {
    return OK.equals(outcome);
  }
}
