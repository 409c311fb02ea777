package dev.fusion.faults;

import java.time.Duration;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;

/** Bounded waits for a condition (Awaitility), never a bare sleep. */
final class Waits {
  private Waits() {}

  static void until(String what, Duration atMost, Callable<Boolean> condition) {
    Awaitility.await(what).atMost(atMost).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(condition);
  }

  /** Like {@link #until} but answers whether it happened instead of failing. */
  static boolean within(Duration atMost, Callable<Boolean> condition) {
    try {
      until("condition", atMost, condition);
      return true;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      return false;
    }
  }

  /** Lets time pass on the load generator's clock without polling for anything (bounded). */
  static void pass(Duration duration) {
    long end = System.nanoTime() + duration.toNanos();
    Awaitility.await().atMost(duration.plusSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> System.nanoTime() >= end);
  }
}
