package dev.fusion.gateway;

import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.contract.FailureReasons;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed attempt is tried again, after how long, and when a call moves on to a fallback model.
 * One retry loop per model: exponential backoff with full jitter, honouring {@code Retry-After} (capped
 * at the maximum backoff), up to the configured attempts, for retriable failures only; a 429 cools the
 * whole provider down for that long, whether the call retries or not. Once a model's attempts are used
 * up, its fallbacks are tried in order. A stream that already delivered text is neither retried nor
 * replaced: the caller would see text twice.
 */
final class RetryPolicy {
  private final GatewayConfig config;

  RetryPolicy(GatewayConfig config) {
    this.config = config;
  }

  /** The models a call to {@code model} may try, in order: itself, then its configured fallbacks, each once. */
  List<String> chain(String model) {
    List<String> chain = new ArrayList<>();
    chain.add(model);
    for (String f : config.modelSettings(model).fallbacks()) {
      if (!chain.contains(f)) {
        chain.add(f);
      }
    }
    return chain;
  }

  /** Whether the call moves on from {@code chain[index]} (which failed for good) to the next model. */
  static boolean fallsBack(List<String> chain, int index, boolean streamedSomething) {
    return index + 1 < chain.size() && !streamedSomething;
  }

  /** Whether attempt number {@code attempt} (from 1), which failed so, is tried again. */
  boolean retries(AttemptFailure failure, int attempt, boolean streamedSomething) {
    return failure.retriable && attempt < config.maxAttempts() && !streamedSomething;
  }

  /** Whether the failure holds every call to its provider back: the provider is pushing back (429). */
  static boolean coolsDownProvider(AttemptFailure failure) {
    return FailureReasons.RATE_LIMITED.equals(failure.reason);
  }

  /**
   * The wait after a failed attempt: before the retry when there is one, and the provider's cool-down
   * after a 429 (even without a retry); 0 otherwise.
   */
  long delayMs(AttemptFailure failure, int attempt, boolean retrying) {
    return retrying || coolsDownProvider(failure) ? backoffMs(attempt, failure.retryAfterMs) : 0;
  }

  /**
   * The provider's {@code Retry-After} when it sent one (capped at the maximum backoff), else the base
   * backoff doubled per attempt, capped, with jitter over its upper half.
   */
  long backoffMs(int attempt, long retryAfterMs) {
    if (retryAfterMs > 0) {
      return Math.min(retryAfterMs, config.maxBackoff().toMillis());
    }
    long exp = config.baseBackoff().toMillis() * (1L << Math.min(attempt - 1, 16));
    long capped = Math.max(1, Math.min(exp, config.maxBackoff().toMillis()));
    // Jitter spreads the retries of many callers hit by the same outage.
    return ThreadLocalRandom.current().nextLong(capped / 2, capped + 1);
  }
}
