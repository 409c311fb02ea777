package dev.fusion.common.kafka;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How a {@link dev.fusion.common.Service}'s {@code start()} waits for what makes it ready (a first
 * partition assignment, a reader caught up, Streams RUNNING): within a bound, and giving up at once when
 * the thing waited for has failed, so a start either returns ready or throws saying why.
 */
public final class Readiness {
  private static final long CHECK_EVERY_MS = 20;

  private Readiness() {}

  /**
   * Waits until {@code ready} holds, at most {@code bound}; returns early, with whatever {@code ready}
   * then says, once {@code failure} reports a reason.
   */
  public static boolean waitFor(Duration bound, BooleanSupplier ready, Supplier<String> failure)
      throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (!ready.getAsBoolean()) {
      if (failure.get() != null || System.nanoTime() - deadline >= 0) {
        return ready.getAsBoolean();
      }
      Thread.sleep(CHECK_EVERY_MS);
    }
    return true;
  }

  /**
   * Like {@link #waitFor}, but throws an {@link IllegalStateException} naming {@code what} and the reason
   * (the failure, or that the bound passed) when it is not ready. An interrupted wait keeps the interrupt
   * flag and throws as well.
   */
  public static void require(String what, Duration bound, BooleanSupplier ready, Supplier<String> failure) {
    try {
      if (waitFor(bound, ready, failure)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + ": interrupted while starting", e);
    }
    String reason = failure.get();
    throw new IllegalStateException(what + ": " + (reason != null ? reason
        : "not ready within " + bound.toMillis() + " ms (" + KafkaConfigs.START_TIMEOUT_VAR + ")"));
  }
}
