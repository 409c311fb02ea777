package dev.fusion.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.config.GatewayConfig;
import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.config.Price;
import dev.fusion.common.contract.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PricingTest {
  private static final GatewayConfig CONFIG = new GatewayConfig(List.of(),
      Map.of("sim/priced", new ModelSettings(0, null, new Price(1, 2), List.of()),
          "vendor/answered", new ModelSettings(0, null, new Price(10, 10), List.of())),
      Duration.ofSeconds(1), Duration.ofSeconds(1), 1, Duration.ofMillis(1), Duration.ofMillis(1), 1, 1, 0);
  private static final Usage TOKENS = new Usage(1_000_000, 500_000, 0, null);

  @Test
  void theProvidersOwnCostIsKept() {
    Usage reported = new Usage(1, 1, 0, 0.5);
    assertThat(Pricing.priced(CONFIG, "sim/priced", null, reported)).isSameAs(reported);
  }

  @Test
  void thePriceTableCostsTheModelAskedWithoutItsOptionsElseTheOneThatAnswered() {
    assertThat(Pricing.priced(CONFIG, "sim/priced;latency_ms=5", null, TOKENS).costUsd()).isEqualTo(2.0);
    assertThat(Pricing.priced(CONFIG, "router/auto", "vendor/answered", TOKENS).costUsd()).isEqualTo(15.0);
    assertThat(Pricing.priced(CONFIG, "router/auto", null, TOKENS).costUsd()).isNull();
  }
}
