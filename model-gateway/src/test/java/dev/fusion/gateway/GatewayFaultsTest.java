package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.config.Price;
import dev.fusion.common.config.RateLimit;
import dev.fusion.common.contract.FailureReasons;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each simulator fault against the gateway, over real HTTP: retries, typed failures, timeouts. */
class GatewayFaultsTest extends SimulatorGatewayTestBase {

  @Test
  void a429IsRetriedOnlyAfterItsRetryAfter() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    // Given a model that answers 429 with Retry-After: 1 once, then recovers
    ChatResult r = await(gateway.chat(ask("sim/r429;fault=http429;retry_after=1;fail_times=1")));
    // Then the call succeeds on the second attempt, and that attempt was sent no earlier than Retry-After
    assertThat(r.attempts()).isEqualTo(2);
    assertThat(simCalls("sim/r429")).isEqualTo(2);
    AttemptRecord first = r.history().get(0);
    AttemptRecord second = r.history().get(1);
    assertThat(first.outcome()).isEqualTo(FailureReasons.RATE_LIMITED);
    assertThat(first.status()).isEqualTo(429);
    assertThat(first.retryAfterMs()).isEqualTo(1000);
    assertThat(second.sentAtMs() - first.endedAtMs()).isGreaterThanOrEqualTo(1000);
    assertThat(second.ok()).isTrue();
  }

  @Test
  void a500IsRetriedWithBackoffUntilTheModelRecovers() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    ChatResult r = await(gateway.chat(ask("sim/e500;fault=http500;fail_times=2")));
    assertThat(r.history()).extracting(AttemptRecord::outcome)
        .containsExactly(FailureReasons.UPSTREAM_ERROR, FailureReasons.UPSTREAM_ERROR, AttemptRecord.OK);
    assertThat(simCalls("sim/e500")).isEqualTo(3);
    assertThat(r.content()).isNotBlank();
  }

  @Test
  void a500ThatNeverRecoversFailsAfterMaxAttempts() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    ModelCallException e = failure(gateway.chat(ask("sim/e503;fault=http503")));
    assertThat(e.reason()).isEqualTo(FailureReasons.UPSTREAM_ERROR);
    assertThat(e.status()).isEqualTo(503);
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(simCalls("sim/e503")).isEqualTo(3);
  }

  @Test
  void aCallMadeAfterTheGatewayClosedFailsItsFutureInsteadOfThrowing() throws Exception {
    // Given a gateway that has been closed (a retry timer can fire while a stage shuts down)
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    gateway.close();
    // When a call is made, then it fails as a connection failure after its attempts, and the model never sees it
    ModelCallException e = failure(gateway.chat(ask("sim/late")));
    assertThat(e.reason()).isEqualTo(FailureReasons.CONNECTION_ERROR);
    assertThat(simCalls("sim/late")).isZero();
  }

  @Test
  void a401FailsFastWithExactlyOneCall() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    ModelCallException e = failure(gateway.chat(ask("sim/auth;fault=http401")));
    assertThat(e.reason()).isEqualTo(FailureReasons.AUTH_FAILED);
    assertThat(e.status()).isEqualTo(401);
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(simCalls("sim/auth")).isEqualTo(1);
  }

  @Test
  void otherClientErrorsFailFastWithTheirOwnReasons() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    assertThat(failure(gateway.chat(ask("sim/c400;fault=http400"))).reason()).isEqualTo(FailureReasons.BAD_REQUEST);
    assertThat(failure(gateway.chat(ask("sim/c402;fault=http402"))).reason())
        .isEqualTo(FailureReasons.INSUFFICIENT_CREDITS);
    assertThat(failure(gateway.chat(ask("sim/c403;fault=http403"))).reason()).isEqualTo(FailureReasons.AUTH_FAILED);
    assertThat(failure(gateway.chat(ask("sim/c404;fault=http404"))).reason())
        .isEqualTo(FailureReasons.MODEL_NOT_FOUND);
    assertThat(simCalls("sim/c400") + simCalls("sim/c402") + simCalls("sim/c403") + simCalls("sim/c404"))
        .isEqualTo(4);
  }

  @Test
  void aStreamThatStopsHalfwayIsATruncatedStreamErrorNotAShortAnswer() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    StringBuilder seen = new StringBuilder();
    ModelCallException e = failure(gateway.chatStream(ask("sim/trunc;fault=truncate"), seen::append));
    assertThat(e.reason()).isEqualTo(FailureReasons.TRUNCATED_STREAM);
    // Text already reached the caller, so the gateway does not retry and repeat it.
    assertThat(seen).isNotEmpty();
    assertThat(e.attempts()).isEqualTo(1);
    assertThat(simCalls("sim/trunc")).isEqualTo(1);
  }

  @Test
  void malformedJsonIsAnInvalidResponseStreamingOrNot() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    ModelCallException plain = failure(gateway.chat(ask("sim/bad;fault=malformed")));
    assertThat(plain.reason()).isEqualTo(FailureReasons.INVALID_RESPONSE);
    assertThat(plain.attempts()).isEqualTo(3);
    assertThat(simCalls("sim/bad")).isEqualTo(3);
    ModelCallException streamed = failure(gateway.chatStream(ask("sim/bad2;fault=malformed"), d -> { }));
    assertThat(streamed.reason()).isEqualTo(FailureReasons.INVALID_RESPONSE);
  }

  @Test
  void aHangingModelTimesOutOnEveryAttempt() throws Exception {
    GatewayConfig base = config(simProvider(0, null), Map.of());
    ModelGateway gateway = gateway(new GatewayConfig(base.providers(), Map.of(), Duration.ofMillis(300),
        Duration.ofMillis(300), 2, base.baseBackoff(), base.maxBackoff(), 64, 100, 0));
    ModelCallException e = failure(gateway.chat(ask("sim/hang;fault=hang")));
    assertThat(e.reason()).isEqualTo(FailureReasons.TIMEOUT);
    assertThat(e.attempts()).isEqualTo(2);
    assertThat(simCalls("sim/hang")).isEqualTo(2);
  }

  @Test
  void aStreamWhoseFirstTokenIsTooSlowTimesOutBeforeTheCallTimeout() throws Exception {
    GatewayConfig base = config(simProvider(0, null), Map.of());
    ModelGateway gateway = gateway(new GatewayConfig(base.providers(), Map.of(), Duration.ofSeconds(30),
        Duration.ofMillis(200), 1, base.baseBackoff(), base.maxBackoff(), 64, 100, 0));
    ModelCallException e = failure(gateway.chatStream(ask("sim/slow;fault=slow_first;first_token_ms=20000"), d -> { }));
    assertThat(e.reason()).isEqualTo(FailureReasons.TIMEOUT);
    assertThat(e.getMessage()).contains("first token");
    assertThat(e.attempts()).isEqualTo(1);
  }

  @Test
  void aFallbackTakesOverAfterRetriesAndTheRespondingModelIsReported() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null),
        Map.of("sim/primary", new ModelSettings(0, null, null, List.of("sim/backup")))));
    ChatResult r = await(gateway.chat(ask("sim/primary;fault=http503")));
    assertThat(r.requestedModel()).isEqualTo("sim/primary;fault=http503");
    assertThat(r.respondingModel()).isEqualTo("sim/backup");
    assertThat(r.history()).extracting(AttemptRecord::model)
        .containsExactly("sim/primary;fault=http503", "sim/primary;fault=http503", "sim/primary;fault=http503",
            "sim/backup");
    assertThat(simCalls("sim/primary")).isEqualTo(3);
    assertThat(simCalls("sim/backup")).isEqualTo(1);
  }

  @Test
  void whenTheFallbacksFailTooThePrimaryReasonIsReportedAndEveryModelIsNamed() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null),
        Map.of("sim/p2", new ModelSettings(0, null, null, List.of("sim/b2;fault=http500")))));
    ModelCallException e = failure(gateway.chat(ask("sim/p2;fault=http401")));
    assertThat(e.reason()).isEqualTo(FailureReasons.AUTH_FAILED);
    assertThat(e.getMessage()).contains("sim/p2;fault=http401").contains("sim/b2;fault=http500");
    assertThat(e.attempts()).isEqualTo(1 + 3);
  }

  @Test
  void a429CoolsTheWholeProviderDownSoAnotherModelsCallWaitsToo() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null), Map.of()));
    // Given a call that gets a 429 with Retry-After: 1
    var first = gateway.chat(ask("sim/cool-a;fault=http429;retry_after=1;fail_times=1"));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> gateway.providerStats().get("simulator").coolingDownUntilMs() > 0);
    // When a call to another model of the same provider starts during the cool-down
    var second = gateway.chat(ask("sim/cool-b"));
    ChatResult a = await(first);
    ChatResult b = await(second);
    // Then it was held until the cool-down ended, and never hit the provider's limit itself
    AttemptRecord rateLimited = a.history().get(0);
    assertThat(rateLimited.status()).isEqualTo(429);
    assertThat(b.attempts()).isEqualTo(1);
    assertThat(simCalls("sim/cool-b")).isEqualTo(1);
    assertThat(b.history().get(0).sentAtMs()).isGreaterThanOrEqualTo(rateLimited.endedAtMs() + 1000);
    assertThat(b.history().get(0).queuedAtMs()).isLessThan(rateLimited.endedAtMs() + 1000);
  }

  @Test
  void aProviderConcurrencyCapHoldsExtraCallsInTheQueueAndMarksTheGatewaySaturated() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(2, null), Map.of()));
    List<io.vertx.core.Future<ChatResult>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(gateway.chat(ask("sim/cap" + i + ";latency_ms=100")));
    }
    // Admission is synchronous and each answer takes at least 100 ms: four calls wait right now.
    assertThat(gateway.waiting()).isEqualTo(4);
    assertThat(gateway.saturated()).isTrue();
    List<AttemptRecord> attempts = new ArrayList<>();
    for (var c : calls) {
      attempts.addAll(await(c).history());
    }
    assertThat(maxOverlap(attempts)).isEqualTo(2);
    assertThat(gateway.providerStats().get("simulator").peakInFlight()).isEqualTo(2);
    assertThat(gateway.saturated()).isFalse();
  }

  @Test
  void aPerModelCapLimitsThatModelOnly() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null),
        Map.of("sim/solo", new ModelSettings(1, null, null, List.of()))));
    List<io.vertx.core.Future<ChatResult>> solo = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      solo.add(gateway.chat(ask("sim/solo;latency_ms=50")));
    }
    ChatResult other = await(gateway.chat(ask("sim/other")));
    List<AttemptRecord> attempts = new ArrayList<>();
    for (var c : solo) {
      attempts.addAll(await(c).history());
    }
    assertThat(maxOverlap(attempts)).isEqualTo(1);
    // Another model of the same provider is not held behind the capped one's queue.
    long lastSoloSent = attempts.stream().mapToLong(AttemptRecord::sentAtMs).max().orElseThrow();
    assertThat(other.history().get(0).sentAtMs()).isLessThan(lastSoloSent);
    assertThat(gateway.modelStats()).containsOnlyKeys("sim/solo");
    assertThat(gateway.modelStats().get("sim/solo").peakInFlight()).isEqualTo(1);
  }

  @Test
  void aTokenBucketSpacesRequestsAtItsRate() throws Exception {
    ModelGateway gateway = gateway(config(simProvider(0, null),
        Map.of("sim/paced", new ModelSettings(0, new RateLimit(5, 1), null, List.of()))));
    List<io.vertx.core.Future<ChatResult>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(gateway.chat(ask("sim/paced")));
    }
    List<Long> sent = new ArrayList<>();
    for (var c : calls) {
      sent.add(await(c).history().get(0).sentAtMs());
    }
    sent.sort(Long::compare);
    // 5 per second with a burst of 1: one request per 200 ms (the clock reads whole milliseconds).
    for (int i = 1; i < sent.size(); i++) {
      assertThat(sent.get(i) - sent.get(i - 1)).isGreaterThanOrEqualTo(199);
    }
  }

  @Test
  void beyondTheQueueLimitACallFailsAsRateLimitedInsteadOfWaitingWithoutBound() throws Exception {
    GatewayConfig base = config(simProvider(1, null), Map.of());
    ModelGateway gateway = gateway(new GatewayConfig(base.providers(), Map.of(), base.callTimeout(),
        base.firstTokenTimeout(), 1, base.baseBackoff(), base.maxBackoff(), 64, 1, 0));
    var running = gateway.chat(ask("sim/q1;latency_ms=100"));
    var queued = gateway.chat(ask("sim/q2"));
    ModelCallException e = failure(gateway.chat(ask("sim/q3")));
    assertThat(e.reason()).isEqualTo(FailureReasons.RATE_LIMITED);
    assertThat(e.getMessage()).contains("queue is full");
    await(running);
    await(queued);
    assertThat(simCalls("sim/q3")).isZero();
  }

  @Test
  void costComesFromThePriceTableWhenTheProviderReportsNone() throws Exception {
    Price price = new Price(2.0, 10.0);
    ModelGateway gateway = gateway(config(simProvider(0, null),
        Map.of("sim/priced", new ModelSettings(0, null, price, List.of()))));
    ChatResult plain = await(gateway.chat(ask("sim/priced")));
    ChatResult streamed = await(gateway.chatStream(ask("sim/priced"), d -> { }));
    for (ChatResult r : List.of(plain, streamed)) {
      assertThat(r.usage().promptTokens()).isPositive();
      assertThat(r.usage().completionTokens()).isPositive();
      assertThat(r.usage().costUsd()).isEqualTo(
          (r.usage().promptTokens() * 2.0 + r.usage().completionTokens() * 10.0) / 1_000_000d);
    }
    assertThat(await(gateway.chat(ask("sim/unpriced"))).usage().costUsd()).isNull();
  }

  /** The most attempts that were on the wire at the same time. */
  static int maxOverlap(List<AttemptRecord> attempts) {
    int max = 0;
    for (AttemptRecord a : attempts) {
      int n = 0;
      for (AttemptRecord b : attempts) {
        if (b.sentAtMs() <= a.sentAtMs() && b.endedAtMs() > a.sentAtMs()) {
          n++;
        }
      }
      max = Math.max(max, n);
    }
    return max;
  }
}
