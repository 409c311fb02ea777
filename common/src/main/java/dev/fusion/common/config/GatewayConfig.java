package dev.fusion.common.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of the model gateway: where models live, what they cost, how hard to try and how much to
 * send at once. {@code queueLimit} bounds calls waiting for a concurrency or rate limit (beyond it a
 * call fails with {@code rate_limited}); while more than {@code saturationThreshold} calls wait, the
 * gateway reports itself saturated and the Kafka workers pause.
 */
public record GatewayConfig(
    List<Provider> providers,
    Map<String, ModelSettings> models,
    Duration callTimeout,
    Duration firstTokenTimeout,
    int maxAttempts,
    Duration baseBackoff,
    Duration maxBackoff,
    int connectionPoolSize,
    int queueLimit,
    int saturationThreshold) {

  public GatewayConfig {
    providers = List.copyOf(providers);
    models = models == null ? Map.of() : Map.copyOf(models);
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("max attempts must be >= 1");
    }
  }

  /** The settings without per-model entries and with the default queue bounds. */
  public GatewayConfig(List<Provider> providers, Duration callTimeout, Duration firstTokenTimeout, int maxAttempts,
      Duration baseBackoff, Duration maxBackoff, int connectionPoolSize) {
    this(providers, Map.of(), callTimeout, firstTokenTimeout, maxAttempts, baseBackoff, maxBackoff,
        connectionPoolSize, 10_000, 0);
  }

  public Provider providerFor(String model) {
    // Longest matching prefix wins, so "sim/" beats a catch-all provider.
    Provider best = null;
    int bestLength = -1;
    for (Provider p : providers) {
      for (String prefix : p.prefixes()) {
        if (model.startsWith(prefix) && prefix.length() > bestLength) {
          best = p;
          bestLength = prefix.length();
        }
      }
    }
    return best;
  }

  public Provider provider(String name) {
    return providers.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * The settings of a model ID: an exact entry, else the entry of the ID without its {@code ;options}
   * suffix (simulated models carry options there), else none.
   */
  public ModelSettings modelSettings(String model) {
    ModelSettings exact = models.get(model);
    if (exact != null) {
      return exact;
    }
    String base = baseModel(model);
    if (base != model) {
      ModelSettings settings = models.get(base);
      if (settings != null) {
        return settings;
      }
    }
    return ModelSettings.NONE;
  }

  /**
   * A model ID without its {@code ;options} suffix (simulated models carry options there): the model its
   * limits, settings and metrics are kept under. The same instance when there is none.
   */
  public static String baseModel(String model) {
    int semi = model.indexOf(';');
    return semi > 0 ? model.substring(0, semi) : model;
  }

  public GatewayConfig withConnectionPoolSize(int otherPoolSize) {
    return new GatewayConfig(providers, models, callTimeout, firstTokenTimeout, maxAttempts, baseBackoff,
        maxBackoff, otherPoolSize, queueLimit, saturationThreshold);
  }
}
