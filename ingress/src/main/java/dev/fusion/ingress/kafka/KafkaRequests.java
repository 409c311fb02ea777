package dev.fusion.ingress.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.Submission;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.request.JobRequests;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * Turns a record of the requests topic into a job, or an {@link ApiError} naming what is wrong. The
 * value is the {@code POST /v1/jobs} body plus optional {@code correlation_id} and {@code reply_to}
 * fields; the same two may come as headers ({@value #CORRELATION_HEADER}, {@value #REPLY_HEADER}), which
 * win. The tenant comes only from the {@value #TENANT_HEADER} header, which the deployment trusts
 * (Kafka ACLs decide who may write the topic). The job ID is always Fusion's (the caller passes one it
 * minted); the correlation ID is only echoed as the reply's key, and the reply topic must pass
 * {@link ReplyTopics}. Pure: unit-testable without a broker.
 */
public final class KafkaRequests {
  public static final String TENANT_HEADER = dev.fusion.common.logging.JobTrace.TENANT_HEADER;
  public static final String CORRELATION_HEADER = "fusion-correlation-id";
  public static final String REPLY_HEADER = "fusion-reply-to";
  public static final String JOB_ID_HEADER = "fusion-job-id";
  private final JobRequests requests;
  private final Set<String> tenants;
  private final ReplyTopics replyTopics;

  /** @param tenants the configured tenants; empty means no keys are configured and any valid name is accepted */
  public KafkaRequests(JobRequests requests, Set<String> tenants, ReplyTopics replyTopics) {
    this.requests = requests;
    this.tenants = tenants;
    this.replyTopics = replyTopics;
  }

  /** With the default reply-topic policy of a pipeline without a topic prefix. */
  public KafkaRequests(JobRequests requests, Set<String> tenants) {
    this(requests, tenants, new ReplyTopics("", java.util.List.of()));
  }

  public FusionJob toJob(Map<String, String> headers, byte[] key, byte[] value, String jobId) {
    if (value == null || value.length == 0) {
      throw ApiError.invalid(null, "invalid_json", "The record has no value; send a JSON job request.");
    }
    JsonNode body = JobRequests.parseBody(new String(value, StandardCharsets.UTF_8));
    String correlationId = first(headers.get(CORRELATION_HEADER), text((ObjectNode) body, "correlation_id"));
    String replyTo = first(headers.get(REPLY_HEADER), text((ObjectNode) body, "reply_to"));
    if (correlationId == null && key != null && key.length > 0) {
      correlationId = new String(key, StandardCharsets.UTF_8);
    }
    if (correlationId == null) {
      correlationId = jobId;
    }
    if (correlationId.length() > 255) {
      throw ApiError.invalid("correlation_id", "invalid_value", "correlation_id may be at most 255 characters.");
    }
    String forbidden = replyTo == null ? null : replyTopics.violation(replyTo);
    if (forbidden != null) {
      throw ApiError.invalid("reply_to", "invalid_value", forbidden);
    }
    String tenant = headers.get(TENANT_HEADER);
    if (tenant == null) {
      if (!tenants.isEmpty()) {
        throw ApiError.invalid(TENANT_HEADER, "missing_tenant", "The " + TENANT_HEADER + " header is required.");
      }
      tenant = Tenants.DEFAULT;
    }
    if (!Tenants.isValidName(tenant) || (!tenants.isEmpty() && !tenants.contains(tenant))) {
      throw ApiError.invalid(TENANT_HEADER, "unknown_tenant", "The " + TENANT_HEADER + " header names no known tenant.");
    }
    return requests.toJob(body, tenant, jobId).withSubmission(Submission.kafka(correlationId, replyTo));
  }

  /**
   * Where a rejected request asked its reply to go, if it can be told at all and replies may go there:
   * (topic, correlation ID) or null. A request naming a forbidden topic gets no reply anywhere.
   */
  public String[] replyRouteOf(Map<String, String> headers, byte[] key, byte[] value) {
    String topic = headers.get(REPLY_HEADER);
    String correlation = headers.get(CORRELATION_HEADER);
    if (value != null && (topic == null || correlation == null)) {
      try {
        JsonNode body = dev.fusion.common.Json.MAPPER.readTree(value);
        if (body != null && body.isObject()) {
          topic = topic != null ? topic : textOrNull(body.get("reply_to"));
          correlation = correlation != null ? correlation : textOrNull(body.get("correlation_id"));
        }
      } catch (java.io.IOException | RuntimeException e) {
        // Not JSON: only headers can route the reply.
      }
    }
    if (correlation == null && key != null && key.length > 0) {
      correlation = new String(key, StandardCharsets.UTF_8);
    }
    if (topic == null || correlation == null || correlation.length() > 255 || !replyTopics.allows(topic)) {
      return null;
    }
    return new String[] {topic, correlation};
  }

  private static String textOrNull(JsonNode n) {
    return n != null && n.isTextual() ? n.asText() : null;
  }

  /** The reason written to the rejections topic: the code, the field and the message. */
  public static String reason(ApiError e) {
    return e.code() + (e.param() != null ? " (" + e.param() + ")" : "") + ": " + e.getMessage();
  }

  private static String text(ObjectNode body, String field) {
    JsonNode n = body.remove(field);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual() || n.asText().isBlank()) {
      throw ApiError.invalid(field, "invalid_type", field + " must be a non-empty string.");
    }
    return n.asText();
  }

  private static String first(String a, String b) {
    return a != null && !a.isBlank() ? a : b;
  }
}
