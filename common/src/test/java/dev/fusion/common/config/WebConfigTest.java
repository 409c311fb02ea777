package dev.fusion.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fusion.common.config.WebConfig.Search;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebConfigTest {
  @TempDir
  Path dir;

  private FusionConfig withFile(String yaml, Map<String, String> env) throws Exception {
    return ConfigFiles.load(dir, yaml, env);
  }

  @Test
  void withoutSettingsSearchIsOffAndFetchHasTheDefaultLimits() {
    WebConfig web = FusionConfig.fromEnv(Map.of()).web();
    assertThat(web.search()).isEqualTo(Search.NONE);
    assertThat(web.searchMaxResults()).isEqualTo(5);
    assertThat(web.searchTimeout().toMillis()).isEqualTo(10_000);
    assertThat(web.fetchEnabled()).isTrue();
    assertThat(web.fetchTimeout().toMillis()).isEqualTo(10_000);
    assertThat(web.fetchMaxBytes()).isEqualTo(2L * 1024 * 1024);
    assertThat(web.fetchMaxChars()).isEqualTo(20_000);
    assertThat(web.fetchMaxRedirects()).isEqualTo(5);
    assertThat(web.fetchAllow()).isEmpty();
    assertThat(web.braveBaseUrl()).isEqualTo("https://api.search.brave.com");
    assertThat(web.tavilyBaseUrl()).isEqualTo("https://api.tavily.com");
    assertThat(web.describe()).isEqualTo("search: not configured; fetch: on (2 MiB, 10 s, 20000 chars)");
    assertThat(WebConfig.defaults()).isEqualTo(web);
  }

  @Test
  void theBackendDefaultsToTheFirstOneWhoseSettingIsPresent() {
    assertThat(FusionConfig.fromEnv(Map.of("BRAVE_API_KEY", "b", "TAVILY_API_KEY", "t",
        "FUSION_SEARXNG_URL", "http://searx:8888")).web().search()).isEqualTo(Search.BRAVE);
    assertThat(FusionConfig.fromEnv(Map.of("TAVILY_API_KEY", "t", "FUSION_SEARXNG_URL", "http://searx:8888"))
        .web().search()).isEqualTo(Search.TAVILY);
    WebConfig searx = FusionConfig.fromEnv(Map.of("FUSION_SEARXNG_URL", "http://searx:8888/")).web();
    assertThat(searx.search()).isEqualTo(Search.SEARXNG);
    assertThat(searx.searxngUrl()).isEqualTo("http://searx:8888");
    assertThat(searx.describe()).startsWith("search: SearXNG at http://searx:8888; fetch: on");
    // An explicit choice wins over the keys that are present.
    assertThat(FusionConfig.fromEnv(Map.of("BRAVE_API_KEY", "b", "TAVILY_API_KEY", "t",
        "FUSION_WEB_SEARCH", "tavily")).web().search()).isEqualTo(Search.TAVILY);
    assertThat(FusionConfig.fromEnv(Map.of("BRAVE_API_KEY", "b", "FUSION_WEB_SEARCH", "NONE")).web().search())
        .isEqualTo(Search.NONE);
  }

  @Test
  void keysAreNeverPrintedNorDescribed() {
    WebConfig brave = FusionConfig.fromEnv(Map.of("BRAVE_API_KEY", "brave-secret-123")).web();
    assertThat(brave.searchApiKey()).isEqualTo("brave-secret-123");
    assertThat(brave.toString()).doesNotContain("brave-secret-123").contains("BRAVE_API_KEY=***");
    assertThat(brave.describe()).doesNotContain("brave-secret-123").isEqualTo(
        "search: Brave Search (key from BRAVE_API_KEY); fetch: on (2 MiB, 10 s, 20000 chars)");
    WebConfig tavily = FusionConfig.fromEnv(Map.of("TAVILY_API_KEY", "tvly-secret-456")).web();
    assertThat(tavily.toString()).doesNotContain("tvly-secret-456");
    assertThat(tavily.describe()).doesNotContain("tvly-secret-456");
    assertThat(FusionConfig.fromEnv(Map.of("TAVILY_API_KEY", "tvly-secret-456")).toString())
        .doesNotContain("tvly-secret-456");
    WebConfig searxWithPassword = FusionConfig.fromEnv(Map.of("FUSION_SEARXNG_URL", "https://u:pw-secret@searx:8888/x@y"))
        .web();
    assertThat(searxWithPassword.describe()).startsWith("search: SearXNG at https://***@searx:8888/x@y;");
    assertThat(searxWithPassword.toString()).doesNotContain("pw-secret");
  }

  @Test
  void environmentVariablesSetEveryLimit() {
    WebConfig web = FusionConfig.fromEnv(Map.ofEntries(
        Map.entry("FUSION_WEB_SEARCH", "searxng"),
        Map.entry("FUSION_SEARXNG_URL", "http://10.1.2.3:8888"),
        Map.entry("FUSION_WEB_SEARCH_MAX_RESULTS", "8"),
        Map.entry("FUSION_WEB_SEARCH_TIMEOUT_MS", "2500"),
        Map.entry("FUSION_WEB_FETCH_TIMEOUT_MS", "4000"),
        Map.entry("FUSION_WEB_FETCH_MAX_BYTES", "65536"),
        Map.entry("FUSION_WEB_FETCH_MAX_CHARS", "5000"),
        Map.entry("FUSION_WEB_FETCH_MAX_REDIRECTS", "2"),
        Map.entry("FUSION_WEB_FETCH_ALLOW", "Intranet.Example:8443, 127.0.0.1:9000 ,[::1]:81,wiki"),
        Map.entry("FUSION_BRAVE_BASE_URL", "http://127.0.0.1:1/"),
        Map.entry("FUSION_TAVILY_BASE_URL", "http://127.0.0.1:2"))).web();
    assertThat(web.searchMaxResults()).isEqualTo(8);
    assertThat(web.searchTimeout().toMillis()).isEqualTo(2500);
    assertThat(web.fetchTimeout().toMillis()).isEqualTo(4000);
    assertThat(web.fetchMaxBytes()).isEqualTo(65536);
    assertThat(web.fetchMaxChars()).isEqualTo(5000);
    assertThat(web.fetchMaxRedirects()).isEqualTo(2);
    assertThat(web.fetchAllow()).containsExactly("intranet.example:8443", "127.0.0.1:9000", "[::1]:81", "wiki");
    assertThat(web.braveBaseUrl()).isEqualTo("http://127.0.0.1:1");
    assertThat(web.tavilyBaseUrl()).isEqualTo("http://127.0.0.1:2");
    assertThat(web.describe()).isEqualTo("search: SearXNG at http://10.1.2.3:8888; fetch: on (64 KiB, 4 s, 5000 chars, "
        + "allowed: intranet.example:8443,127.0.0.1:9000,[::1]:81,wiki)");
    assertThat(FusionConfig.fromEnv(Map.of("FUSION_WEB_FETCH", "off")).web().describe())
        .isEqualTo("search: not configured; fetch: off");
  }

  @Test
  void theFileSectionIsReadAndTheEnvironmentOverridesIt() throws Exception {
    String yaml = """
        web:
          search: searxng
          searxng_url: http://searx.internal:8888
          search_max_results: 3
          search_timeout_ms: 3000
          fetch: on
          fetch_timeout_ms: 7000
          fetch_max_bytes: 1048576
          fetch_max_chars: 12000
          fetch_max_redirects: 4
          fetch_allow: [docs.internal, "10.0.0.5:8080"]
        """;
    WebConfig fromFile = withFile(yaml, Map.of()).web();
    assertThat(fromFile.search()).isEqualTo(Search.SEARXNG);
    assertThat(fromFile.searxngUrl()).isEqualTo("http://searx.internal:8888");
    assertThat(fromFile.searchMaxResults()).isEqualTo(3);
    assertThat(fromFile.searchTimeout().toMillis()).isEqualTo(3000);
    assertThat(fromFile.fetchEnabled()).isTrue();
    assertThat(fromFile.fetchTimeout().toMillis()).isEqualTo(7000);
    assertThat(fromFile.fetchMaxBytes()).isEqualTo(1_048_576);
    assertThat(fromFile.fetchMaxChars()).isEqualTo(12_000);
    assertThat(fromFile.fetchMaxRedirects()).isEqualTo(4);
    assertThat(fromFile.fetchAllow()).containsExactly("docs.internal", "10.0.0.5:8080");

    WebConfig overridden = withFile(yaml, Map.of("FUSION_WEB_SEARCH_MAX_RESULTS", "9",
        "FUSION_SEARXNG_URL", "http://other:1", "FUSION_WEB_FETCH_ALLOW", "only.this", "FUSION_WEB_FETCH", "off",
        "TAVILY_API_KEY", "t")).web();
    // The file's explicit backend wins over a key's implied one; the variables win over the file.
    assertThat(overridden.search()).isEqualTo(Search.SEARXNG);
    assertThat(overridden.searxngUrl()).isEqualTo("http://other:1");
    assertThat(overridden.searchMaxResults()).isEqualTo(9);
    assertThat(overridden.fetchAllow()).containsExactly("only.this");
    assertThat(overridden.fetchEnabled()).isFalse();
    assertThat(withFile(yaml, Map.of("FUSION_WEB_SEARCH", "tavily", "TAVILY_API_KEY", "t")).web().search())
        .isEqualTo(Search.TAVILY);
  }

  @Test
  void badValuesAreStartUpErrorsNamingTheSetting() throws Exception {
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_SEARCH", "google")))
        .hasMessageContaining("FUSION_WEB_SEARCH").hasMessageContaining("google");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_SEARCH", "brave")))
        .hasMessageContaining("BRAVE_API_KEY");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_SEARCH", "tavily")))
        .hasMessageContaining("TAVILY_API_KEY");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_SEARCH", "searxng")))
        .hasMessageContaining("FUSION_SEARXNG_URL");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_SEARXNG_URL", "searx:8888")))
        .hasMessageContaining("FUSION_SEARXNG_URL");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_SEARCH_MAX_RESULTS", "11")))
        .hasMessageContaining("FUSION_WEB_SEARCH_MAX_RESULTS").hasMessageContaining("between 1 and 10");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_FETCH_MAX_BYTES", "lots")))
        .hasMessageContaining("FUSION_WEB_FETCH_MAX_BYTES");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_FETCH_TIMEOUT_MS", "0")))
        .hasMessageContaining("FUSION_WEB_FETCH_TIMEOUT_MS");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_FETCH_MAX_REDIRECTS", "-1")))
        .hasMessageContaining("FUSION_WEB_FETCH_MAX_REDIRECTS");
    assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_FETCH", "maybe")))
        .hasMessageContaining("FUSION_WEB_FETCH");
    for (String bad : List.of("http://host:80", "host:0", "host:99999", "host:http", "::1", "[::1", "host/path",
        "*.example.com", "user@host")) {
      assertThatThrownBy(() -> FusionConfig.fromEnv(Map.of("FUSION_WEB_FETCH_ALLOW", bad)))
          .as(bad).hasMessageContaining("FUSION_WEB_FETCH_ALLOW").hasMessageContaining(bad);
    }
    assertThatThrownBy(() -> withFile("web:\n  fetch_max_chars: 50\n", Map.of()))
        .hasMessageContaining("web.fetch_max_chars");
    assertThatThrownBy(() -> withFile("web:\n  search: bing\n", Map.of()))
        .hasMessageContaining("web.search").hasMessageContaining("bing");
    assertThatThrownBy(() -> withFile("web:\n  brave_api_key: x\n", Map.of()))
        .hasMessageContaining("unknown key 'brave_api_key' in web");
  }
}
