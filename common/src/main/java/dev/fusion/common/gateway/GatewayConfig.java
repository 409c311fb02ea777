package dev.fusion.common.gateway;

import java.time.Duration;
import java.util.List;

/** Settings of the model gateway: where models live and how hard to try. */
public record GatewayConfig(
    List<Provider> providers,
    Duration callTimeout,
    Duration firstTokenTimeout,
    int maxAttempts,
    Duration baseBackoff,
    Duration maxBackoff,
    int connectionPoolSize) {

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
}
