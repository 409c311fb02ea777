package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.Provider;
import dev.fusion.common.contract.FailureReasons;
import java.net.ConnectException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {
  private static final String KEY = "sk-secret-0123456789";
  private static final Provider PROVIDER = new Provider("router", "http://127.0.0.1:1/v1", KEY, "ROUTER_KEY",
      List.of(""), false, 0, null, false, Map.of());

  @Test
  void eachStatusHasItsReasonAndOnlyTransientOnesAreRetried() {
    record Row(int status, String reason, boolean retriable) {}
    for (Row row : List.of(
        new Row(429, FailureReasons.RATE_LIMITED, true),
        new Row(400, FailureReasons.BAD_REQUEST, false),
        new Row(422, FailureReasons.BAD_REQUEST, false),
        new Row(401, FailureReasons.AUTH_FAILED, false),
        new Row(403, FailureReasons.AUTH_FAILED, false),
        new Row(402, FailureReasons.INSUFFICIENT_CREDITS, false),
        new Row(404, FailureReasons.MODEL_NOT_FOUND, false),
        new Row(408, FailureReasons.TIMEOUT, true),
        new Row(500, FailureReasons.UPSTREAM_ERROR, true),
        new Row(503, FailureReasons.UPSTREAM_ERROR, true),
        new Row(418, FailureReasons.UPSTREAM_ERROR, false))) {
      AttemptFailure f = FailureClassifier.http(PROVIDER, row.status(), null, "");
      assertThat(f.reason).as("HTTP %d", row.status()).isEqualTo(row.reason());
      assertThat(f.retriable).as("HTTP %d", row.status()).isEqualTo(row.retriable());
      assertThat(f.status).isEqualTo(row.status());
      assertThat(f.message).isEqualTo("HTTP " + row.status() + " from router");
    }
  }

  @Test
  void retryAfterCountsOnlyWhereARetryMayFollow() {
    assertThat(FailureClassifier.http(PROVIDER, 429, "2", "").retryAfterMs).isEqualTo(2_000);
    assertThat(FailureClassifier.http(PROVIDER, 503, "0.5", "").retryAfterMs).isEqualTo(500);
    assertThat(FailureClassifier.http(PROVIDER, 401, "2", "").retryAfterMs).isZero();
  }

  @Test
  void retryAfterIsReadInSecondsOrAsAnHttpDate() {
    assertThat(FailureClassifier.parseRetryAfter(" 3 ")).isEqualTo(3_000);
    assertThat(FailureClassifier.parseRetryAfter("-1")).isZero();
    assertThat(FailureClassifier.parseRetryAfter("soon")).isZero();
    assertThat(FailureClassifier.parseRetryAfter(null)).isZero();
    String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(10));
    assertThat(FailureClassifier.parseRetryAfter(inTenSeconds)).isBetween(8_000L, 10_000L);
  }

  @Test
  void theKeyNeverReachesAMessageAndLongUpstreamMessagesAreCut() {
    AttemptFailure echoed = FailureClassifier.http(PROVIDER, 401, null, "bad key " + KEY);
    assertThat(echoed.message).isEqualTo("HTTP 401 from router: bad key ***");
    AttemptFailure longOne = FailureClassifier.http(PROVIDER, 500, null, "x".repeat(1_000));
    assertThat(longOne.message).hasSize("HTTP 500 from router: ".length() + 300 + 1).endsWith("…");
    AttemptFailure refused = FailureClassifier.of(new ConnectException("refused at " + KEY), PROVIDER);
    assertThat(refused.reason).isEqualTo(FailureReasons.CONNECTION_ERROR);
    assertThat(refused.retriable).isTrue();
    assertThat(refused.message).isEqualTo("connection to router failed: refused at ***");
  }

  @Test
  void aClassifiedFailurePassesThroughAsItIs() {
    AttemptFailure timeout = FailureClassifier.noCompleteAnswer("m", 100, true);
    assertThat(FailureClassifier.of(timeout, PROVIDER)).isSameAs(timeout);
    assertThat(timeout.streamedSomething).isTrue();
    assertThat(FailureClassifier.of(new IllegalStateException(), PROVIDER).message)
        .isEqualTo("connection to router failed: IllegalStateException");
  }
}
