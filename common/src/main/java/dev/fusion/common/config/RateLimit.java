package dev.fusion.common.config;

/**
 * A token bucket: {@code requestsPerSecond} tokens are added per second, up to {@code burst}; every
 * request sent (each attempt, retries included) takes one.
 */
public record RateLimit(double requestsPerSecond, int burst) {
  public RateLimit {
    if (!(requestsPerSecond > 0)) {
      throw new IllegalArgumentException("requests_per_second must be > 0, got " + requestsPerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be >= 1, got " + burst);
    }
  }
}
