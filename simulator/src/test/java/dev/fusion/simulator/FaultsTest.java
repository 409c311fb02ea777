package dev.fusion.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import org.awaitility.Awaitility;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FaultsTest extends SimulatorTestBase {

  private static final String PROMPT = "Explain idempotent producers in Kafka.";

  @Override
  protected SimulatorConfig config() {
    return SimulatorConfig.defaults()
        .withModelOptions("configured", "fault=http503;retry_after=7")
        .withModelOptions("sim/configured-slow", "latency_ms=1");
  }

  @Test
  void http429HasRetryAfterAndRateLimitBody() {
    HttpResponse<Buffer> r = chat(chatBody("sim/alpha;fault=http429;retry_after=3", PROMPT));
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.getHeader("Retry-After")).isEqualTo("3");
    JsonObject err = errorOf(r);
    assertThat(err.getString("message")).isEqualTo("Rate limit exceeded (simulated)");
    assertThat(err.getString("type")).isEqualTo("rate_limit_error");
    assertThat(err.getString("code")).isEqualTo("rate_limited");

    HttpResponse<Buffer> dflt = chat(chatBody("sim/alpha;fault=http429", PROMPT));
    assertThat(dflt.getHeader("Retry-After")).isEqualTo("1");
  }

  @Test
  void http500And503And401() {
    HttpResponse<Buffer> r500 = chat(chatBody("sim/alpha;fault=http500", PROMPT));
    assertThat(r500.statusCode()).isEqualTo(500);
    assertThat(errorOf(r500).getString("type")).isEqualTo("server_error");

    HttpResponse<Buffer> r503 = chat(streamBody("sim/alpha;fault=http503", PROMPT));
    assertThat(r503.statusCode()).isEqualTo(503);
    assertThat(errorOf(r503).getString("message")).contains("simulated");

    HttpResponse<Buffer> r401 = chat(chatBody("sim/alpha;fault=http401", PROMPT));
    assertThat(r401.statusCode()).isEqualTo(401);
    assertThat(errorOf(r401).getString("type")).isEqualTo("authentication_error");
    assertThat(errorOf(r401).getString("code")).isEqualTo("invalid_api_key");
    assertThat(errorOf(r401).getString("message")).isEqualTo("Invalid API key (simulated)");

    for (int status : new int[] {400, 402, 403, 404}) {
      HttpResponse<Buffer> r = chat(chatBody("sim/alpha;fault=http" + status, PROMPT));
      assertThat(r.statusCode()).isEqualTo(status);
      assertThat(errorOf(r).getString("message")).isNotBlank();
    }
  }

  @Test
  void malformedBodyIsNotJson() {
    HttpResponse<Buffer> r = chat(chatBody("sim/alpha;fault=malformed", PROMPT));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("content-type")).startsWith("application/json");
    Throwable t = catchThrowable(() -> new ObjectMapper().readTree(r.bodyAsString()));
    assertThat(t).isNotNull();

    HttpResponse<Buffer> s = chat(streamBody("sim/alpha;fault=malformed", PROMPT));
    var data = sseData(s.bodyAsString());
    assertThat(data).hasSizeGreaterThan(1);
    Throwable t2 = catchThrowable(() -> new ObjectMapper().readTree(data.get(1)));
    assertThat(t2).isNotNull();
  }

  @Test
  void truncatedStreamEndsWithoutDone() {
    HttpClient http = vertx.createHttpClient();
    StringBuilder received = new StringBuilder();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    String body = streamBody("sim/alpha;fault=truncate", PROMPT).encode();
    http.request(HttpMethod.POST, sim.port(), "127.0.0.1", "/v1/chat/completions")
        .compose(req -> req.putHeader("content-type", "application/json").send(body))
        .onSuccess(
            resp -> {
              resp.handler(b -> received.append(b.toString()));
              resp.end()
                  .onComplete(
                      ar -> outcome.complete(ar.failed() ? ar.cause() : null));
            })
        .onFailure(outcome::complete);

    Throwable failure = outcome.orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
    await(http.close());

    assertThat(failure).as("the stream must not end cleanly").isNotNull();
    String text = received.toString();
    assertThat(text).contains("\"role\":\"assistant\"").contains("\"content\":");
    assertThat(text).doesNotContain("[DONE]").doesNotContain("\"finish_reason\":\"stop\"");
    String full = answer("sim/alpha", PROMPT);
    String partial = streamedContent(sseData(text));
    assertThat(partial).isNotEmpty();
    assertThat(full).startsWith(partial).isNotEqualTo(partial);
  }

  /** The call ends without an answer: the connection is cut or times out. */
  private static void assertFailsWithoutAnswer(io.vertx.core.Future<?> f) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(f::isComplete);
    assertThat(f.failed()).isTrue();
  }

  @Test
  void truncatedNonStreamingBodyFails() {
    assertFailsWithoutAnswer(postAsync("/v1/chat/completions", chatBody("sim/alpha;fault=truncate", PROMPT)));
  }

  @Test
  void failTimesThenSucceeds() {
    String model = "sim/retry-me;fault=http429;retry_after=1;fail_times=2";
    assertThat(chat(chatBody(model, PROMPT)).statusCode()).isEqualTo(429);
    assertThat(chat(chatBody(model, PROMPT)).statusCode()).isEqualTo(429);
    assertThat(chat(chatBody(model, PROMPT)).statusCode()).isEqualTo(200);
    assertThat(chat(chatBody(model, PROMPT)).statusCode()).isEqualTo(200);
  }

  @Test
  void failRateIsSeededAndRoughlyProportional() {
    int failures = 0;
    for (int i = 0; i < 40; i++) {
      int s = chat(chatBody("sim/flaky;fault=http500;fail_rate=0.5", PROMPT + i)).statusCode();
      assertThat(s).isIn(200, 500);
      if (s == 500) {
        failures++;
      }
    }
    assertThat(failures).isBetween(5, 35);
    assertThat(chat(chatBody("sim/never;fault=http500;fail_rate=0", PROMPT)).statusCode())
        .isEqualTo(200);
    assertThat(chat(chatBody("sim/always;fault=http500;fail_rate=1", PROMPT)).statusCode())
        .isEqualTo(500);
  }

  @Test
  void emptyContent() {
    assertThat(answer("sim/alpha;fault=empty", PROMPT)).isEmpty();
    var data = sseData(chat(streamBody("sim/alpha;fault=empty", PROMPT)).bodyAsString());
    assertThat(streamedContent(data)).isEmpty();
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
  }

  @Test
  void optionsFromHeaderAndConfigWithPrecedence() {
    MultiMap h = MultiMap.caseInsensitiveMultiMap().add("x-sim-options", "fault=http429;retry_after=5");
    HttpResponse<Buffer> viaHeader = post("/v1/chat/completions", chatBody("sim/alpha", PROMPT), h);
    assertThat(viaHeader.statusCode()).isEqualTo(429);
    assertThat(viaHeader.getHeader("retry-after")).isEqualTo("5");

    // model suffix beats header
    HttpResponse<Buffer> suffixWins =
        post("/v1/chat/completions", chatBody("sim/alpha;fault=http500", PROMPT), h);
    assertThat(suffixWins.statusCode()).isEqualTo(500);

    // per-model config
    HttpResponse<Buffer> configured = chat(chatBody("sim/configured", PROMPT));
    assertThat(configured.statusCode()).isEqualTo(503);
    assertThat(configured.getHeader("retry-after")).isEqualTo("7");

    // header beats per-model config; fault=none switches it off
    MultiMap none = MultiMap.caseInsensitiveMultiMap().add("x-sim-options", "fault=none");
    assertThat(post("/v1/chat/completions", chatBody("sim/configured", PROMPT), none).statusCode())
        .isEqualTo(200);
    assertThat(answer("sim/configured-slow", PROMPT)).isNotBlank();
  }

  @Test
  void hangKeepsTheRequestOpenThenClosesIt() {
    assertFailsWithoutAnswer(postAsync("/v1/chat/completions", chatBody("sim/alpha;fault=hang;hang_ms=200", PROMPT)));
  }

  @Test
  void hangIsReleasedWhenTheClientGivesUp() {
    var f =
        client
            .post(sim.port(), "127.0.0.1", "/v1/chat/completions")
            .timeout(300)
            .sendJsonObject(chatBody("sim/alpha;fault=hang", PROMPT));
    assertFailsWithoutAnswer(f);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> sim.pendingTimers() == 0);
  }

  @Test
  void slowFirstStreamsAfterTheConfiguredDelay() {
    String expected = answer("sim/alpha", PROMPT);
    var data =
        sseData(
            chat(streamBody("sim/alpha;fault=slow_first;first_token_ms=50", PROMPT))
                .bodyAsString());
    assertThat(streamedContent(data)).isEqualTo(expected);
  }
}
