package dev.fusion.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the gateway settings in three layers, each overriding the one before: built-in providers
 * (the simulator always; OpenRouter, OpenAI and a local server when their variables are set), the
 * config file, then environment variables. Keys only ever come from the environment.
 */
final class GatewayConfigLoader {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayConfigLoader.class);

  private GatewayConfigLoader() {}

  /** One provider's settings while the layers are applied; null means "not set at this layer". */
  private static final class Spec {
    final String name;
    String baseUrl;
    String apiKeyEnv;
    Boolean apiKeyOptional;
    List<String> prefixes;
    Boolean stripPrefix;
    Integer maxConcurrency;
    Double rps;
    Integer burst;
    Boolean usageAccounting;
    Boolean http2;
    String webTools;
    Map<String, String> headers;
    Boolean enabled;

    Spec(String name) {
      this.name = name;
    }
  }

  static GatewayConfig load(Env env, ConfigFile file, String simulatorBaseUrl) {
    Map<String, Spec> specs = new LinkedHashMap<>();
    builtIns(env, simulatorBaseUrl, specs);
    ConfigFile.forEachEntry(file.section("providers").node, (name, node) -> fromFile(specs, name, node));
    envOverrides(env, specs);

    List<Provider> providers = new ArrayList<>();
    for (Spec s : specs.values()) {
      Provider p = build(env, s);
      if (p != null) {
        providers.add(p);
      }
    }
    Map<String, ModelSettings> models = new LinkedHashMap<>();
    ConfigFile.forEachEntry(file.section("models").node, (name, node) -> models.put(name, model(name, node)));

    JsonNode g = file.section("gateway").node;
    String w = "gateway";
    return new GatewayConfig(providers, models,
        Duration.ofMillis(env.longValue("FUSION_MODEL_TIMEOUT_MS", fileLong(g, "timeout_ms", w, 120_000))),
        Duration.ofMillis(env.longValue("FUSION_MODEL_FIRST_TOKEN_TIMEOUT_MS",
            fileLong(g, "first_token_timeout_ms", w, 60_000))),
        env.integer("FUSION_MODEL_MAX_ATTEMPTS", (int) fileLong(g, "max_attempts", w, 3)),
        Duration.ofMillis(env.longValue("FUSION_MODEL_BACKOFF_MS", fileLong(g, "backoff_ms", w, 250))),
        Duration.ofMillis(env.longValue("FUSION_MODEL_MAX_BACKOFF_MS", fileLong(g, "max_backoff_ms", w, 20_000))),
        env.integer("FUSION_MODEL_POOL_SIZE", (int) fileLong(g, "pool_size", w, 512)),
        env.integer("FUSION_MODEL_QUEUE_LIMIT", (int) fileLong(g, "queue_limit", w, 10_000)),
        env.integer("FUSION_MODEL_SATURATION_THRESHOLD", (int) fileLong(g, "saturation_threshold", w, 0)));
  }

  private static void builtIns(Env env, String simulatorBaseUrl, Map<String, Spec> specs) {
    Spec sim = spec(specs, "simulator");
    sim.baseUrl = simulatorBaseUrl;
    sim.prefixes = List.of("sim/");
    sim.stripPrefix = false;
    if (env.optional("OPENAI_API_KEY") != null) {
      knownDefaults(spec(specs, "openai"));
    }
    if (env.optional("OPENROUTER_API_KEY") != null) {
      knownDefaults(spec(specs, "openrouter"));
    }
    if (env.optional("FUSION_LOCAL_BASE_URL") != null) {
      Spec local = spec(specs, "local");
      local.apiKeyEnv = "FUSION_LOCAL_API_KEY";
      local.apiKeyOptional = true;
      local.prefixes = List.of(env.get("FUSION_LOCAL_PREFIX", "local/"));
      local.stripPrefix = true;
      local.maxConcurrency = 64;
    }
  }

  /** Well-known providers start from their public settings, whether enabled by a variable or the file. */
  private static void knownDefaults(Spec s) {
    if (s.name.equals("openai")) {
      s.baseUrl = "https://api.openai.com/v1";
      s.apiKeyEnv = "OPENAI_API_KEY";
      s.prefixes = List.of("openai-direct/");
      s.stripPrefix = true;
      s.maxConcurrency = 256;
    } else if (s.name.equals("openrouter")) {
      // Vendor/model IDs (anthropic/..., openai/..., google/...) go to OpenRouter by default.
      s.baseUrl = "https://openrouter.ai/api/v1";
      s.apiKeyEnv = "OPENROUTER_API_KEY";
      s.prefixes = List.of("");
      s.stripPrefix = false;
      s.maxConcurrency = 256;
      s.usageAccounting = true;
    }
  }

  private static Spec spec(Map<String, Spec> specs, String name) {
    return specs.computeIfAbsent(name, Spec::new);
  }

  private static void fromFile(Map<String, Spec> specs, String name, JsonNode node) {
    String w = "providers." + name;
    if (!specs.containsKey(name)) {
      knownDefaults(spec(specs, name));
    }
    Spec s = spec(specs, name);
    s.baseUrl = orKeep(ConfigFile.stringOrNull(node, "base_url", w), s.baseUrl);
    s.apiKeyEnv = orKeep(ConfigFile.stringOrNull(node, "api_key_env", w), s.apiKeyEnv);
    s.apiKeyOptional = orKeep(ConfigFile.boolOrNull(node, "api_key_optional", w), s.apiKeyOptional);
    s.prefixes = orKeep(ConfigFile.stringsOrNull(node, "prefixes", w), s.prefixes);
    s.stripPrefix = orKeep(ConfigFile.boolOrNull(node, "strip_prefix", w), s.stripPrefix);
    Long cap = ConfigFile.longOrNull(node, "max_concurrency", w);
    if (cap != null) {
      s.maxConcurrency = Math.toIntExact(cap);
    }
    s.usageAccounting = orKeep(ConfigFile.boolOrNull(node, "usage_accounting", w), s.usageAccounting);
    s.http2 = orKeep(ConfigFile.boolOrNull(node, "http2", w), s.http2);
    s.webTools = orKeep(ConfigFile.stringOrNull(node, "web_tools", w), s.webTools);
    s.enabled = orKeep(ConfigFile.boolOrNull(node, "enabled", w), s.enabled);
    JsonNode rate = node.get("rate_limit");
    if (rate != null && !rate.isNull()) {
      s.rps = ConfigFile.doubleOrNull(rate, "requests_per_second", w + ".rate_limit");
      Long burst = ConfigFile.longOrNull(rate, "burst", w + ".rate_limit");
      s.burst = burst == null ? null : Math.toIntExact(burst);
    }
    JsonNode headers = node.get("headers");
    if (headers != null && !headers.isNull()) {
      Map<String, String> h = new LinkedHashMap<>();
      ConfigFile.forEachEntry(headers, (k, v) -> h.put(k, v.asText()));
      s.headers = h;
    }
  }

  /** {@code FUSION_PROVIDER_<NAME>_<SETTING>} overrides one provider's setting; dashes become underscores. */
  private static void envOverrides(Env env, Map<String, Spec> specs) {
    // The historical variables first, then the generic ones.
    override(specs.get("openrouter"), s -> s.baseUrl = env.get("OPENROUTER_BASE_URL", s.baseUrl));
    override(specs.get("openai"), s -> s.baseUrl = env.get("OPENAI_BASE_URL", s.baseUrl));
    override(specs.get("local"), s -> {
      s.baseUrl = env.get("FUSION_LOCAL_BASE_URL", s.baseUrl);
      if (env.optional("FUSION_LOCAL_PREFIX") != null) {
        s.prefixes = List.of(env.get("FUSION_LOCAL_PREFIX", "local/"));
      }
    });
    for (Spec s : specs.values()) {
      String p = "FUSION_PROVIDER_" + s.name.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
      s.baseUrl = env.get(p + "BASE_URL", s.baseUrl);
      s.apiKeyEnv = env.get(p + "API_KEY_ENV", s.apiKeyEnv);
      s.prefixes = env.list(p + "PREFIXES", s.prefixes);
      if (env.optional(p + "MAX_CONCURRENCY") != null) {
        s.maxConcurrency = env.integer(p + "MAX_CONCURRENCY", 0);
      }
      if (env.optional(p + "RPS") != null) {
        s.rps = Double.parseDouble(env.get(p + "RPS", "0"));
      }
      if (env.optional(p + "BURST") != null) {
        s.burst = env.integer(p + "BURST", 1);
      }
      s.webTools = env.get(p + "WEB_TOOLS", s.webTools);
      if (env.optional(p + "HTTP2") != null) {
        s.http2 = Boolean.parseBoolean(env.get(p + "HTTP2", "false"));
      }
    }
  }

  private static void override(Spec s, java.util.function.Consumer<Spec> action) {
    if (s != null) {
      action.accept(s);
    }
  }

  private static Provider build(Env env, Spec s) {
    if (Boolean.FALSE.equals(s.enabled)) {
      return null;
    }
    if (s.baseUrl == null) {
      throw new IllegalArgumentException("provider '" + s.name + "' has no base_url");
    }
    String key = s.apiKeyEnv == null ? null : env.optional(s.apiKeyEnv);
    if (s.apiKeyEnv != null && key == null && !Boolean.TRUE.equals(s.apiKeyOptional)) {
      // A hosted provider without its key would only answer 401: leave it out, and say so.
      LOG.info("provider '{}' is disabled: {} is not set", s.name, s.apiKeyEnv);
      return null;
    }
    RateLimit rate = null;
    if (s.rps != null) {
      rate = new RateLimit(s.rps, s.burst == null ? Math.max(1, (int) Math.ceil(s.rps)) : s.burst);
    }
    return new Provider(s.name, s.baseUrl, key, s.apiKeyEnv, s.prefixes == null ? List.of(s.name + "/") : s.prefixes,
        s.stripPrefix == null ? s.prefixes == null : s.stripPrefix, s.maxConcurrency == null ? 0 : s.maxConcurrency,
        rate, Boolean.TRUE.equals(s.usageAccounting), s.headers, Boolean.TRUE.equals(s.http2), s.webTools);
  }

  private static ModelSettings model(String name, JsonNode node) {
    String w = "models." + name;
    Long cap = ConfigFile.longOrNull(node, "max_concurrency", w);
    RateLimit rate = null;
    JsonNode r = node.get("rate_limit");
    if (r != null && !r.isNull()) {
      Double rps = ConfigFile.doubleOrNull(r, "requests_per_second", w + ".rate_limit");
      Long burst = ConfigFile.longOrNull(r, "burst", w + ".rate_limit");
      if (rps == null) {
        throw new IllegalArgumentException(w + ".rate_limit needs requests_per_second");
      }
      rate = new RateLimit(rps, burst == null ? Math.max(1, (int) Math.ceil(rps)) : Math.toIntExact(burst));
    }
    Price price = null;
    JsonNode p = node.get("price");
    if (p != null && !p.isNull()) {
      Double prompt = ConfigFile.doubleOrNull(p, "prompt", w + ".price");
      Double completion = ConfigFile.doubleOrNull(p, "completion", w + ".price");
      price = new Price(prompt == null ? 0 : prompt, completion == null ? 0 : completion);
    }
    List<String> fallbacks = ConfigFile.stringsOrNull(node, "fallbacks", w);
    return new ModelSettings(cap == null ? 0 : Math.toIntExact(cap), rate, price, fallbacks);
  }

  private static long fileLong(JsonNode section, String key, String where, long fallback) {
    if (section == null || section.isMissingNode() || section.isNull()) {
      return fallback;
    }
    Long v = ConfigFile.longOrNull(section, key, where);
    return v == null ? fallback : v;
  }

  private static <T> T orKeep(T value, T current) {
    return value == null ? current : value;
  }
}
