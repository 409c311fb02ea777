package dev.fusion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Dev mode's start-up banner: where things are, what to try first, and what is real or simulated. */
class DevBannerTest {
  private static DevBanner banner(int port, boolean simulatedModels, boolean simulatedSearch, Set<String> tenants) {
    String kafka = port == 8080 ? "127.0.0.1:9092" : "127.0.0.1:19092";
    return new DevBanner(2.7, port, kafka, Path.of("data"), 40123, simulatedModels,
        simulatedModels ? List.of() : List.of("openrouter"), List.of("sim/alpha", "sim/beta"), "sim/judge",
        "sim/writer", simulatedSearch ? "fetch: on (2 MiB, 10 s, 20000 chars)" : "search: Brave Search (key from BRAVE_API_KEY); fetch: off",
        simulatedSearch, tenants);
  }

  @Test
  void theBannerSaysWhatToTryNextAndThatEverythingIsSimulatedWithoutKeys() {
    String text = banner(8080, true, true, Set.of()).text();
    assertThat(text).contains(
        "Playground:   http://localhost:8080/",
        "base_url=\"http://localhost:8080/v1\"",
        "POST /v1/chat/completions",
        "./fusion ask \"",
        "/v1/jobs, /v1/batches (or ./fusion batch)",
        "http://localhost:8080/health",
        "127.0.0.1:9092 (embedded; ./fusion kafka topics --list)",
        "Models:       SIMULATED",
        "panel sim/alpha, sim/beta, judge sim/judge, synthesizer sim/writer",
        "search SIMULATED",
        "API keys:     OFF",
        "AUTH IS OFF");
    assertThat(text).doesNotContain("--url", "FUSION_API_KEY=", "FUSION_KAFKA_PORT=");
    // Short: one screen.
    assertThat(text.lines().count()).isLessThan(24);
  }

  @Test
  void withKeysAndRealProvidersItNamesTheTenantsAndSaysWhatIsReal() {
    String text = banner(8181, false, false, Set.of("globex", "acme")).text();
    assertThat(text).contains(
        "base_url=\"http://localhost:8181/v1\"",
        "FUSION_API_KEY=<key> ./fusion ask --url http://localhost:8181 \"",
        "FUSION_KAFKA_PORT=19092 ./fusion kafka topics --list",
        "Models:       REAL",
        "openrouter",
        "search: Brave Search",
        "API keys:     ON: tenants acme, globex");
    assertThat(text).doesNotContain("SIMULATED", "AUTH IS OFF");
  }
}
