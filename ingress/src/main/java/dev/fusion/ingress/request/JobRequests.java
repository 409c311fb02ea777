package dev.fusion.ingress.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.ingress.http.ApiError;
import java.util.UUID;

/**
 * Turns a {@code POST /v1/jobs} body (and a {@code fusion.requests} record's) into a {@link FusionJob},
 * or an {@link ApiError} that names the offending field. The rules are the request model's
 * ({@link RequestReader}, {@link dev.fusion.ingress.request.DeliberationRequest#validate(Limits)}), shared
 * with every other way in. Pure: no network, so every rule is unit-testable.
 */
public final class JobRequests {
  public static final int MIN_PANEL = Limits.MIN_PANEL;
  public static final int MAX_PANEL = Limits.MAX_PANEL;

  private final Limits limits;

  public JobRequests(FusionConfig config) {
    this(config, RequestLimits.DEFAULT);
  }

  public JobRequests(FusionConfig config, RequestLimits limits) {
    this(Limits.of(config, limits, Presets.fromEnv(config)));
  }

  public JobRequests(Limits limits) {
    this.limits = limits;
  }

  public Limits limits() {
    return limits;
  }

  public static JsonNode parseBody(String body) {
    if (body == null || body.isBlank()) {
      throw ApiError.invalid(null, "invalid_json", "The request body is empty; send a JSON object.");
    }
    try {
      JsonNode root = Json.MAPPER.readTree(body);
      if (root == null || !root.isObject()) {
        throw ApiError.invalid(null, "invalid_json", "The request body must be a JSON object.");
      }
      return root;
    } catch (ApiError e) {
      throw e;
    } catch (Exception e) {
      throw ApiError.invalid(null, "invalid_json", "The request body is not valid JSON.");
    }
  }

  public FusionJob toJob(JsonNode body, String tenant) {
    return toJob(body, tenant, newJobId());
  }

  /** With a given job ID (Kafka submissions derive it from the record's position, so a replay reuses it). */
  public FusionJob toJob(JsonNode body, String tenant, String jobId) {
    return RequestReader.jobsBody(body, "").validate(limits).toJob(jobId, tenant, System.currentTimeMillis());
  }

  private static final java.util.regex.Pattern JOB_ID = java.util.regex.Pattern.compile("job_[0-9a-f]{32}");

  /** Job IDs are always generated here; anything else cannot name a job (and never reaches storage). */
  public static boolean isJobId(String id) {
    return id != null && JOB_ID.matcher(id).matches();
  }

  public static String newJobId() {
    return "job_" + UUID.randomUUID().toString().replace("-", "");
  }

  /** An optional model-ID field of a body, or the fallback. */
  public static String optionalString(JsonNode body, String field, String fallback) {
    var f = RequestReader.text(body, field, "", "a model ID");
    return f == null ? fallback : f.value();
  }
}
