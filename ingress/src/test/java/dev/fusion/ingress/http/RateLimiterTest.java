package dev.fusion.ingress.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aKeyGetsItsBurstThenWaitsForTheRefill() {
    RateLimiter limiter = new RateLimiter(2, 3);
    long t = 0;
    assertThat(limiter.acquire("k", t)).isZero();
    assertThat(limiter.acquire("k", t)).isZero();
    assertThat(limiter.acquire("k", t)).isZero();
    assertThat(limiter.acquire("k", t)).isEqualTo(1);
    assertThat(limiter.acquire("other", t)).isZero(); // Buckets are per key.
    assertThat(limiter.acquire("k", t + SECOND / 2)).isZero();
  }

  @Test
  void aZeroRateTurnsTheLimitOff() {
    RateLimiter limiter = new RateLimiter(0, 1);
    for (int i = 0; i < 100; i++) {
      assertThat(limiter.acquire("k", 0)).isZero();
    }
  }
}
