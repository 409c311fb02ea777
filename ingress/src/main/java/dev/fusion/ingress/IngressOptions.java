package dev.fusion.ingress;

import dev.fusion.common.config.Env;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.ingress.http.ApiKeys;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.request.RequestLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Ingress-only settings, read from environment-style variables (see docs/configuration.md): API keys,
 * request limits, the per-key rate limit, result retention and Kafka submission (with its reply topics).
 */
public record IngressOptions(
    ApiKeys apiKeys,
    long maxBodyBytes,
    RequestLimits limits,
    double rateLimitPerSecond,
    double rateLimitBurst,
    Duration resultRetention,
    boolean kafkaSubmission,
    List<String> replyTopicPrefixes) {

  public static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);

  public static IngressOptions defaults() {
    return fromEnv(Map.of());
  }

  public static IngressOptions fromEnv(Map<String, String> vars) {
    Env env = new Env(vars);
    String file = env.optional("FUSION_API_KEYS_FILE");
    int maxPanel = env.integer("FUSION_MAX_PANEL", JobRequests.MAX_PANEL);
    if (maxPanel < 1 || maxPanel > JobRequests.MAX_PANEL) {
      throw new IllegalArgumentException("FUSION_MAX_PANEL must be from 1 to " + JobRequests.MAX_PANEL);
    }
    ApiKeys keys = ApiKeys.parse(env.optional("FUSION_API_KEYS"), file == null ? null : Path.of(file));
    // The limit is per key: without keys (dev mode) it is off unless set explicitly.
    String defaultRps = keys.isEmpty() ? "0" : "50";
    RecordBudget budget = RecordBudget.fromEnv(env);
    return new IngressOptions(
        keys,
        // Nothing larger than a record is worth buffering; a job within the budget fits even with its text escaped.
        env.longValue("FUSION_MAX_BODY_BYTES", budget.maxRecordBytes()),
        new RequestLimits(env.integer("FUSION_MAX_MESSAGES", 256),
            env.longValue("FUSION_MAX_PROMPT_CHARS", RequestLimits.NO_CHAR_LIMIT), maxPanel),
        decimal(env, "FUSION_RATE_LIMIT_RPS", defaultRps),
        decimal(env, "FUSION_RATE_LIMIT_BURST", "200"),
        Duration.ofMillis(env.longValue("FUSION_RESULT_RETENTION_MS", Duration.ofDays(7).toMillis())),
        Boolean.parseBoolean(env.get("FUSION_KAFKA_SUBMISSION", "true")),
        env.list("FUSION_REPLY_TOPIC_PREFIXES", List.of())); // Empty: the topic prefix (ReplyTopics).
  }

  private static double decimal(Env env, String name, String fallback) {
    String v = env.get(name, fallback);
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
    }
  }

  /** Without keys every request is the default tenant's: only acceptable in dev mode or when opted in. */
  public boolean authEnabled() {
    return !apiKeys.isEmpty();
  }

  public IngressOptions withApiKeys(ApiKeys keys) {
    return new IngressOptions(keys, maxBodyBytes, limits, rateLimitPerSecond, rateLimitBurst, resultRetention,
        kafkaSubmission, replyTopicPrefixes);
  }
}
