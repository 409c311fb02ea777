package dev.fusion.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebToolsSharedTest {
  @Test
  void aProcessHasOneWebToolsMadeFromItsConfig() {
    FusionConfig config = FusionConfig.fromEnv(Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1",
        "FUSION_SEARXNG_URL", "http://searx.test:8888", "FUSION_WEB_FETCH_MAX_CHARS", "3000"));
    try (StageContext ctx = new StageContext(config, null, "web-tools-test")) {
      WebTools tools = WebTools.of(ctx);
      assertThat(WebTools.of(ctx)).isSameAs(tools);
      assertThat(tools.describe()).isEqualTo("search: SearXNG at http://searx.test:8888; fetch: on (2 MiB, 10 s, 3000 chars)");
    }
  }
}
