package dev.fusion.ingress.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.config.FusionConfig;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.kafka.KafkaRequests;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every place ingress parses client JSON refuses a 10,000-deep document with its typed 400 (Jackson's
 * StreamReadConstraints stop at 1,000 levels), never a StackOverflowError or an untyped failure.
 */
class DeepNestingTest {
  private static final String DEEP_ARRAY = "[".repeat(10_000) + "]".repeat(10_000);
  private static final String DEEP_OBJECT = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
  private final JobRequests requests = new JobRequests(FusionConfig.fromEnv(Map.of()));

  @Test
  void requestBodiesOfJobsChatCompletionsAndRejudgeAreInvalidJson() {
    for (String body : new String[] {DEEP_ARRAY, DEEP_OBJECT, "{\"messages\":" + DEEP_ARRAY + "}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x\":" + DEEP_OBJECT + "}"}) {
      assertThatThrownBy(() -> JobRequests.parseBody(body)).isInstanceOfSatisfying(ApiError.class, e -> {
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.code()).isEqualTo("invalid_json");
      });
    }
    // Nesting well inside the limit still parses: the limit, not the depth as such, refuses.
    assertThat(JobRequests.parseBody("{\"x\":" + "[".repeat(500) + "]".repeat(500) + "}").isObject()).isTrue();
  }

  @Test
  void batchLinesAndBatchSettingsAreRefusedWithTheirOwnCodes() {
    BatchParser parser = new BatchParser(requests, "batch_x", "acme", BatchParser.settings(Map.of(), requests)
        .request(), 1L);
    BatchParser.Outcome outcome = parser.next("{\"custom_id\":\"a\",\"prompt\":" + DEEP_ARRAY + "}");
    assertThat(outcome.item()).isNull();
    assertThat(outcome.error().code()).isEqualTo("invalid_json");

    assertThatThrownBy(() -> BatchParser.settings(Map.of("temperature", java.util.List.of(DEEP_ARRAY)), requests))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.param()).isEqualTo("temperature"));
  }

  @Test
  void kafkaRequestsAreRefusedAndTheirReplyRouteIsNotGuessedFromThem() {
    KafkaRequests kafka = new KafkaRequests(requests, Set.of());
    byte[] deep = ("{\"reply_to\":\"replies\",\"x\":" + DEEP_ARRAY + "}").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> kafka.toJob(Map.of(), null, deep, "job_0123456789abcdef0123456789abcdef"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("invalid_json"));
    assertThat(kafka.replyRouteOf(Map.of(), null, deep)).isNull();
  }
}
