package dev.fusion.ingress.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per API key, on this ingress instance: {@code perSecond} tokens refill each second up
 * to {@code burst}. {@link #acquire} answers 0 when a request may go, else the seconds to wait.
 */
public final class RateLimiter {
  private final double perSecond;
  private final double burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long refilledAtNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.refilledAtNanos = now;
    }
  }

  public RateLimiter(double perSecond, double burst) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
  }

  public boolean enabled() {
    return perSecond > 0;
  }

  /** Takes one token for {@code key}; returns 0 if granted, else whole seconds until one is available. */
  public long acquire(String key, long nowNanos) {
    if (!enabled()) {
      return 0;
    }
    Bucket b = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNanos));
    synchronized (b) {
      double elapsed = (nowNanos - b.refilledAtNanos) / 1e9;
      b.tokens = Math.min(burst, b.tokens + elapsed * perSecond);
      b.refilledAtNanos = nowNanos;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - b.tokens) / perSecond));
    }
  }
}
