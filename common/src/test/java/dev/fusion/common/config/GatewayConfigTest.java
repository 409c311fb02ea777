package dev.fusion.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {
  @Test
  void simModelsGoToTheSimulatorAndVendorModelsToOpenRouterWhenItsKeyIsSet() {
    FusionConfig config = FusionConfig.fromEnv(Map.of("OPENROUTER_API_KEY", "sk-secret-value"));
    assertThat(config.gateway().providerFor("sim/alpha").name()).isEqualTo("simulator");
    assertThat(config.gateway().providerFor("anthropic/claude-sonnet-4").name()).isEqualTo("openrouter");
    assertThat(config.simulatedDefaults()).isFalse();
    // The key never appears when a provider is printed.
    assertThat(config.gateway().providerFor("x/y").toString()).doesNotContain("sk-secret-value");
  }

  @Test
  void withoutKeysTheDefaultsAreSimulatedAndUnknownModelsHaveNoProvider() {
    FusionConfig config = FusionConfig.fromEnv(Map.of());
    assertThat(config.simulatedDefaults()).isTrue();
    assertThat(config.defaultPanel()).allMatch(m -> m.startsWith("sim/"));
    assertThat(config.gateway().providerFor("anthropic/claude-sonnet-4")).isNull();
  }

  @Test
  void localProvidersStripTheirPrefix() {
    FusionConfig config = FusionConfig.fromEnv(Map.of("FUSION_LOCAL_BASE_URL", "http://127.0.0.1:11434/v1"));
    Provider local = config.gateway().providerFor("local/llama3.1");
    assertThat(local.name()).isEqualTo("local");
    assertThat(local.wireModel("local/llama3.1")).isEqualTo("llama3.1");
  }
}
