package dev.fusion.common.gateway;

/**
 * A model call that failed for good (after retries), with a typed reason from
 * {@link dev.fusion.common.contract.FailureReasons}. Messages never include API keys.
 */
public final class ModelCallException extends RuntimeException {
  private final String model;
  private final String reason;
  private final Integer status;
  private final int attempts;

  public ModelCallException(String model, String reason, Integer status, String message, int attempts) {
    super(message, null, false, false);
    this.model = model;
    this.reason = reason;
    this.status = status;
    this.attempts = attempts;
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

  public int attempts() {
    return attempts;
  }
}
