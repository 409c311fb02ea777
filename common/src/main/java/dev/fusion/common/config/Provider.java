package dev.fusion.common.config;

import java.util.List;
import java.util.Map;
import dev.fusion.common.contract.WebToolsMode;

/**
 * An OpenAI-compatible endpoint and the model-ID prefixes routed to it. {@code apiKey} may be null
 * (local servers); {@code apiKeyEnv} names the variable it came from (for messages, never the value).
 * When {@code stripPrefix} is set, the matched prefix is removed before the model ID is sent (e.g.
 * {@code ollama/llama3} is sent to Ollama as {@code llama3}). {@code maxConcurrency} caps calls in
 * flight to the provider (0 = no cap); {@code rateLimit} (may be null) is a token bucket on requests.
 * {@code usageAccounting} asks the provider for the cost of each call (OpenRouter's
 * {@code "usage": {"include": true}}). {@code headers} are sent with every request. With {@code http2}
 * calls are multiplexed over a few HTTP/2 connections (ALPN for https, prior-knowledge h2c for http)
 * instead of one pooled HTTP/1.1 connection per call in flight. {@code webTools} says who gives the panel
 * models and the judge served here their web tools ({@link WebToolsMode}): Fusion's own loop (the
 * default), the provider's server tools (OpenRouter's {@code openrouter:web_search} and
 * {@code openrouter:web_fetch}), or none.
 */
public record Provider(String name, String baseUrl, String apiKey, String apiKeyEnv, List<String> prefixes,
    boolean stripPrefix, int maxConcurrency, RateLimit rateLimit, boolean usageAccounting,
    Map<String, String> headers, boolean http2, String webTools) {

  public Provider {
    prefixes = List.copyOf(prefixes);
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    webTools = webTools == null ? WebToolsMode.FUSION : webTools;
    if (!WebToolsMode.ALL.contains(webTools)) {
      throw new IllegalArgumentException("providers." + name + ".web_tools must be one of fusion, provider, off; got '"
          + webTools + "'");
    }
  }

  /** With Fusion's own web tools. */
  public Provider(String name, String baseUrl, String apiKey, String apiKeyEnv, List<String> prefixes,
      boolean stripPrefix, int maxConcurrency, RateLimit rateLimit, boolean usageAccounting,
      Map<String, String> headers, boolean http2) {
    this(name, baseUrl, apiKey, apiKeyEnv, prefixes, stripPrefix, maxConcurrency, rateLimit, usageAccounting, headers,
        http2, null);
  }

  /** A provider spoken to over HTTP/1.1. */
  public Provider(String name, String baseUrl, String apiKey, String apiKeyEnv, List<String> prefixes,
      boolean stripPrefix, int maxConcurrency, RateLimit rateLimit, boolean usageAccounting,
      Map<String, String> headers) {
    this(name, baseUrl, apiKey, apiKeyEnv, prefixes, stripPrefix, maxConcurrency, rateLimit, usageAccounting, headers,
        false);
  }

  /** A provider with no rate limit, no extra headers and no usage accounting. */
  public Provider(String name, String baseUrl, String apiKey, List<String> prefixes, boolean stripPrefix,
      int maxConcurrency) {
    this(name, baseUrl, apiKey, null, prefixes, stripPrefix, maxConcurrency, null, false, Map.of());
  }

  public boolean matches(String model) {
    return prefixes.stream().anyMatch(p -> p.isEmpty() || model.startsWith(p));
  }

  public String wireModel(String model) {
    if (!stripPrefix) {
      return model;
    }
    return prefixes.stream().filter(p -> !p.isEmpty() && model.startsWith(p)).findFirst()
        .map(p -> model.substring(p.length())).orElse(model);
  }

  /** Replaces the key wherever it appears in text that may reach logs or users. */
  public String redact(String text) {
    if (text == null || apiKey == null || apiKey.isBlank()) {
      return text;
    }
    return text.replace(apiKey, "***");
  }

  @Override
  public String toString() {
    // Never print the key (nor the header values, which may carry tokens too).
    return "Provider[" + name + " " + baseUrl + " prefixes=" + prefixes
        + (apiKey == null ? "" : " key=*** (from " + (apiKeyEnv == null ? "config" : apiKeyEnv) + ")")
        + (maxConcurrency > 0 ? " max_concurrency=" + maxConcurrency : "")
        + (rateLimit == null ? "" : " rate_limit=" + rateLimit.requestsPerSecond() + "/s burst " + rateLimit.burst())
        + (http2 ? " http2" : "") + (WebToolsMode.FUSION.equals(webTools) ? "" : " web_tools=" + webTools) + "]";
  }
}
