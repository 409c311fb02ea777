package dev.fusion.ingress.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.request.JobRequests;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KafkaRequestsTest {
  private final KafkaRequests secured = new KafkaRequests(new JobRequests(FusionConfig.fromEnv(Map.of())),
      Set.of("alice"));
  private static final String BODY = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void headersWinOverFieldsAndTheKeyIsTheFallbackCorrelationId() {
    FusionJob job = secured.toJob(Map.of("fusion-tenant", "alice", "fusion-reply-to", "replies"), bytes("k-1"),
        bytes(BODY + ",\"reply_to\":\"other\"}"), "job_1");
    assertThat(job.tenant()).isEqualTo("alice");
    assertThat(job.submission().replyTopic()).isEqualTo("replies");
    assertThat(job.submission().correlationId()).isEqualTo("k-1");
    assertThat(job.jobId()).isEqualTo("job_1");

    FusionJob fields = secured.toJob(Map.of("fusion-tenant", "alice"), null,
        bytes(BODY + ",\"correlation_id\":\"c-9\",\"reply_to\":\"r\"}"), "job_2");
    assertThat(fields.submission().correlationId()).isEqualTo("c-9");
    assertThat(fields.submission().replyTopic()).isEqualTo("r");
    assertThat(Json.toString(fields)).doesNotContain("\"reply_to\":\"r\",\"messages\"");
  }

  @Test
  void theTenantHeaderIsRequiredAndMustBeKnownWhenKeysAreConfigured() {
    assertThatThrownBy(() -> secured.toJob(Map.of(), null, bytes(BODY + "}"), "j"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("missing_tenant"));
    assertThatThrownBy(() -> secured.toJob(Map.of("fusion-tenant", "mallory"), null, bytes(BODY + "}"), "j"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("unknown_tenant"));
    KafkaRequests dev = new KafkaRequests(new JobRequests(FusionConfig.fromEnv(Map.of())), Set.of());
    assertThat(dev.toJob(Map.of(), null, bytes(BODY + "}"), "j").tenant()).isEqualTo(Tenants.DEFAULT);
  }

  @Test
  void badRecordsAreTypedErrors() {
    assertThatThrownBy(() -> secured.toJob(Map.of("fusion-tenant", "alice"), null, null, "j"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(KafkaRequests.reason(e)).startsWith("invalid_json"));
    assertThatThrownBy(() -> secured.toJob(Map.of("fusion-tenant", "alice"), null,
        bytes(BODY + ",\"reply_to\":\"no spaces!\"}"), "j"))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.param()).isEqualTo("reply_to"));
  }

  @Test
  void aReplyTopicMustBeAllowedAndARejectionIsRoutedOnlyToAnAllowedOne() {
    KafkaRequests limited = new KafkaRequests(new JobRequests(FusionConfig.fromEnv(Map.of())), Set.of("alice"),
        new ReplyTopics("", java.util.List.of("replies.")));
    for (String forbidden : new String[] {"fusion.results", "__consumer_offsets", "orders"}) {
      assertThatThrownBy(() -> limited.toJob(Map.of("fusion-tenant", "alice", "fusion-reply-to", forbidden),
          bytes("job_someone_elses"), bytes(BODY + "}"), "job_minted"))
          .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.param()).isEqualTo("reply_to"));
      assertThat(limited.replyRouteOf(Map.of("fusion-reply-to", forbidden), bytes("c"), bytes("{}"))).isNull();
    }
    assertThat(limited.replyRouteOf(Map.of("fusion-reply-to", "replies.a"), bytes("c"), bytes("{}")))
        .containsExactly("replies.a", "c");
    // The job ID is the one ingress minted, whatever the correlation ID says
    FusionJob job = limited.toJob(Map.of("fusion-tenant", "alice", "fusion-correlation-id", "job_someone_elses"),
        null, bytes(BODY + "}"), "job_minted");
    assertThat(job.jobId()).isEqualTo("job_minted");
    assertThat(job.submission().correlationId()).isEqualTo("job_someone_elses");
  }
}
