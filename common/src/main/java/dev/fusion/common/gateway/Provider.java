package dev.fusion.common.gateway;

import java.util.List;

/**
 * An OpenAI-compatible endpoint and the model-ID prefixes routed to it. {@code apiKey} may be null
 * (local servers). When {@code stripPrefix} is set, the matched prefix is removed before the model ID
 * is sent (e.g. {@code ollama/llama3} is sent to Ollama as {@code llama3}).
 */
public record Provider(String name, String baseUrl, String apiKey, List<String> prefixes, boolean stripPrefix,
    int maxConcurrency) {

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

  @Override
  public String toString() {
    // Never print the key.
    return "Provider[" + name + " " + baseUrl + " prefixes=" + prefixes + (apiKey == null ? "" : " key=***") + "]";
  }
}
