package dev.fusion.gateway;

/**
 * Wall-clock milliseconds that never go backwards: attempt timestamps, cool-downs and token buckets
 * are compared with each other, so a clock step (NTP) must not reorder them.
 */
final class MonotonicClock {
  private static final long BASE_MS = System.currentTimeMillis();
  private static final long BASE_NANOS = System.nanoTime();

  private MonotonicClock() {}

  static long nowMs() {
    return BASE_MS + (System.nanoTime() - BASE_NANOS) / 1_000_000L;
  }

  static long nowNanos() {
    return System.nanoTime();
  }
}
