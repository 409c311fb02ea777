package dev.fusion.gateway;

import java.util.List;

/**
 * A model call that failed for good (after retries and fallbacks), with a typed reason from
 * {@link dev.fusion.common.contract.FailureReasons}. Messages never include API keys.
 */
public final class ModelCallException extends RuntimeException {
  private final String model;
  private final String reason;
  private final Integer status;
  private final List<AttemptRecord> history;

  public ModelCallException(String model, String reason, Integer status, String message, List<AttemptRecord> history) {
    super(message, null, false, false);
    this.model = model;
    this.reason = reason;
    this.status = status;
    this.history = history == null ? List.of() : List.copyOf(history);
  }

  public String model() {
    return model;
  }

  public String reason() {
    return reason;
  }

  public Integer status() {
    return status;
  }

  /** HTTP attempts made, retries and fallbacks included. */
  public int attempts() {
    return history.size();
  }

  public List<AttemptRecord> history() {
    return history;
  }
}
