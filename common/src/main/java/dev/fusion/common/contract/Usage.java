package dev.fusion.common.contract;

/** Tokens and cost of one or more model calls. Cost is in US dollars; null when unknown. */
public record Usage(long promptTokens, long completionTokens, long reasoningTokens, Double costUsd) {
  public static final Usage ZERO = new Usage(0, 0, 0, null);

  public long totalTokens() {
    return promptTokens + completionTokens;
  }

  public Usage plus(Usage other) {
    if (other == null) {
      return this;
    }
    Double cost;
    if (costUsd == null) {
      cost = other.costUsd;
    } else if (other.costUsd == null) {
      cost = costUsd;
    } else {
      cost = costUsd + other.costUsd;
    }
    return new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
        reasoningTokens + other.reasoningTokens, cost);
  }
}
