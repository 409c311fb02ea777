package dev.fusion.common.config;

import java.util.List;

/**
 * Per-model settings from the config file. {@code maxConcurrency} 0 means no per-model cap;
 * {@code rateLimit} and {@code price} may be null; {@code fallbacks} are tried in order once this
 * model's retries are exhausted.
 */
public record ModelSettings(int maxConcurrency, RateLimit rateLimit, Price price, List<String> fallbacks) {
  public static final ModelSettings NONE = new ModelSettings(0, null, null, List.of());

  public ModelSettings {
    fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
  }
}
