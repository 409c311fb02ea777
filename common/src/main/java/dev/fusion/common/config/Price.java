package dev.fusion.common.config;

import dev.fusion.common.contract.Usage;

/**
 * What a model costs, in US dollars per million tokens. Reasoning tokens are billed as completion
 * tokens (OpenAI-compatible APIs already count them inside {@code completion_tokens}).
 */
public record Price(double promptPerMillion, double completionPerMillion) {
  public Price {
    if (promptPerMillion < 0 || completionPerMillion < 0) {
      throw new IllegalArgumentException("prices must not be negative");
    }
  }

  public double costOf(Usage usage) {
    return (usage.promptTokens() * promptPerMillion + usage.completionTokens() * completionPerMillion) / 1_000_000d;
  }
}
