package dev.fusion.gateway;

import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.Price;
import dev.fusion.common.contract.Usage;

/** What a call cost: the provider's figure when it reported one (OpenRouter), else the price table's, else unknown. */
final class Pricing {
  private Pricing() {}

  /**
   * {@code usage} with its cost: the price of {@code model} (without its {@code ;options}), else of the
   * model that answered, applied to the tokens; unchanged when the provider reported a cost or no price is known.
   */
  static Usage priced(GatewayConfig config, String model, String respondingModel, Usage usage) {
    if (usage.costUsd() != null) {
      return usage;
    }
    Price price = config.modelSettings(model).price();
    if (price == null && respondingModel != null) {
      price = config.modelSettings(respondingModel).price();
    }
    if (price == null) {
      return usage;
    }
    return new Usage(usage.promptTokens(), usage.completionTokens(), usage.reasoningTokens(), price.costOf(usage));
  }
}
