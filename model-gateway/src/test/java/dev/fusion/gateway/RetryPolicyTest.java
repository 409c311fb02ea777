package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.contract.FailureReasons;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final GatewayConfig CONFIG = new GatewayConfig(List.of(),
      Map.of("a", new ModelSettings(0, null, null, List.of("b", "a", "c", "b"))), Duration.ofSeconds(10),
      Duration.ofSeconds(5), 3, Duration.ofMillis(100), Duration.ofMillis(1_000), 8, 100, 0);
  private final RetryPolicy policy = new RetryPolicy(CONFIG);

  private static AttemptFailure failure(String reason, boolean retriable, long retryAfterMs) {
    return new AttemptFailure(reason, null, reason, retriable, retryAfterMs, false);
  }

  @Test
  void aCallTriesItsModelThenEachFallbackOnceInOrder() {
    assertThat(policy.chain("a")).containsExactly("a", "b", "c");
    assertThat(policy.chain("z")).containsExactly("z");
  }

  @Test
  void fallbacksAreTriedUntilTheChainEndsOrTextWasStreamed() {
    List<String> chain = List.of("a", "b");
    assertThat(RetryPolicy.fallsBack(chain, 0, false)).isTrue();
    assertThat(RetryPolicy.fallsBack(chain, 1, false)).isFalse();
    assertThat(RetryPolicy.fallsBack(chain, 0, true)).isFalse();
  }

  @Test
  void onlyRetriableFailuresAreRetriedWithinTheAttemptsAndNeverAfterStreamedText() {
    AttemptFailure transient5xx = failure(FailureReasons.UPSTREAM_ERROR, true, 0);
    assertThat(policy.retries(transient5xx, 1, false)).isTrue();
    assertThat(policy.retries(transient5xx, 2, false)).isTrue();
    assertThat(policy.retries(transient5xx, 3, false)).isFalse();
    assertThat(policy.retries(transient5xx, 1, true)).isFalse();
    assertThat(policy.retries(failure(FailureReasons.AUTH_FAILED, false, 0), 1, false)).isFalse();
  }

  @Test
  void a429CoolsTheProviderDownEvenWhenTheCallDoesNotRetry() {
    AttemptFailure limited = failure(FailureReasons.RATE_LIMITED, true, 700);
    assertThat(RetryPolicy.coolsDownProvider(limited)).isTrue();
    assertThat(policy.delayMs(limited, 3, false)).isEqualTo(700);
    assertThat(RetryPolicy.coolsDownProvider(failure(FailureReasons.TIMEOUT, true, 0))).isFalse();
    assertThat(policy.delayMs(failure(FailureReasons.BAD_REQUEST, false, 0), 1, false)).isZero();
  }

  @Test
  void backoffHonoursRetryAfterUpToTheMaximumElseDoublesWithJitter() {
    assertThat(policy.backoffMs(1, 300)).isEqualTo(300);
    assertThat(policy.backoffMs(1, 60_000)).isEqualTo(1_000);
    for (int i = 0; i < 200; i++) {
      assertThat(policy.backoffMs(1, 0)).isBetween(50L, 100L);
      assertThat(policy.backoffMs(3, 0)).isBetween(200L, 400L);
      assertThat(policy.backoffMs(30, 0)).isBetween(500L, 1_000L);
    }
  }
}
