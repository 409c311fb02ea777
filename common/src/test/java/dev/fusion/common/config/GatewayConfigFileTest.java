package dev.fusion.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigFileTest {
  @TempDir
  Path dir;

  private static final String FILE = """
      gateway:
        timeout_ms: 90000
        first_token_timeout_ms: 15000
        max_attempts: 4
        backoff_ms: 100
        max_backoff_ms: 8000
        pool_size: 64
        queue_limit: 500
        saturation_threshold: 2
      providers:
        openrouter:
          api_key_env: OPENROUTER_API_KEY
          max_concurrency: 32
          rate_limit: {requests_per_second: 10, burst: 20}
          headers: {X-Title: Fusion}
          http2: true
          web_tools: provider
        ollama:
          base_url: http://127.0.0.1:11434/v1
          prefixes: [ollama/]
          strip_prefix: true
          max_concurrency: 2
        vllm:
          base_url: http://gpu-box:8000/v1
          api_key_env: VLLM_API_KEY
      models:
        anthropic/claude-opus-4.1:
          max_concurrency: 4
          rate_limit: {requests_per_second: 0.5, burst: 2}
          price: {prompt: 15, completion: 75}
          fallbacks: [anthropic/claude-sonnet-4, openai/gpt-5]
        sim/alpha:
          price: {prompt: 1.5, completion: 6}
      defaults:
        panel: [ollama/llama3.1, ollama/qwen2.5]
        judge: ollama/qwen2.5
        synthesizer: ollama/llama3.1
      """;

  private FusionConfig load(String yaml, Map<String, String> env) throws Exception {
    return ConfigFiles.load(dir, yaml, env);
  }

  @Test
  void everySectionOfTheFileIsRead() throws Exception {
    FusionConfig config = load(FILE, Map.of("OPENROUTER_API_KEY", "sk-or-secret"));
    GatewayConfig g = config.gateway();
    assertThat(g.callTimeout().toMillis()).isEqualTo(90_000);
    assertThat(g.firstTokenTimeout().toMillis()).isEqualTo(15_000);
    assertThat(g.maxAttempts()).isEqualTo(4);
    assertThat(g.baseBackoff().toMillis()).isEqualTo(100);
    assertThat(g.maxBackoff().toMillis()).isEqualTo(8000);
    assertThat(g.connectionPoolSize()).isEqualTo(64);
    assertThat(g.queueLimit()).isEqualTo(500);
    assertThat(g.saturationThreshold()).isEqualTo(2);

    Provider or = g.providerFor("anthropic/claude-opus-4.1");
    assertThat(or.name()).isEqualTo("openrouter");
    assertThat(or.baseUrl()).isEqualTo("https://openrouter.ai/api/v1");
    assertThat(or.apiKey()).isEqualTo("sk-or-secret");
    assertThat(or.maxConcurrency()).isEqualTo(32);
    assertThat(or.rateLimit()).isEqualTo(new RateLimit(10, 20));
    assertThat(or.usageAccounting()).isTrue();
    assertThat(or.headers()).containsEntry("X-Title", "Fusion");
    assertThat(or.http2()).isTrue();
    assertThat(or.webTools()).isEqualTo("provider");

    Provider ollama = g.providerFor("ollama/llama3.1");
    assertThat(ollama.name()).isEqualTo("ollama");
    assertThat(ollama.wireModel("ollama/llama3.1")).isEqualTo("llama3.1");
    assertThat(ollama.apiKey()).isNull();
    assertThat(ollama.http2()).isFalse();
    assertThat(ollama.webTools()).isEqualTo("fusion"); // the default
    assertThat(g.providerFor("sim/alpha").name()).isEqualTo("simulator");

    ModelSettings opus = g.modelSettings("anthropic/claude-opus-4.1");
    assertThat(opus.maxConcurrency()).isEqualTo(4);
    assertThat(opus.rateLimit()).isEqualTo(new RateLimit(0.5, 2));
    assertThat(opus.price()).isEqualTo(new Price(15, 75));
    assertThat(opus.fallbacks()).containsExactly("anthropic/claude-sonnet-4", "openai/gpt-5");
    // Simulated models keep their settings whatever options ride on the ID.
    assertThat(g.modelSettings("sim/alpha;latency_ms=5").price()).isEqualTo(new Price(1.5, 6));
    assertThat(g.modelSettings("unknown/model")).isEqualTo(ModelSettings.NONE);

    assertThat(config.defaultPanel()).containsExactly("ollama/llama3.1", "ollama/qwen2.5");
    assertThat(config.defaultJudge()).isEqualTo("ollama/qwen2.5");
    assertThat(config.defaultSynthesizer()).isEqualTo("ollama/llama3.1");
  }

  @Test
  void environmentVariablesOverrideTheFile() throws Exception {
    FusionConfig config = load(FILE, Map.of("OPENROUTER_API_KEY", "k", "FUSION_MODEL_MAX_ATTEMPTS", "2",
        "OPENROUTER_BASE_URL", "http://proxy/api/v1", "FUSION_PROVIDER_OLLAMA_MAX_CONCURRENCY", "7",
        "FUSION_PROVIDER_OLLAMA_RPS", "3", "FUSION_DEFAULT_JUDGE", "ollama/other", "FUSION_PROVIDER_SIMULATOR_HTTP2",
        "true", "FUSION_PROVIDER_OLLAMA_WEB_TOOLS", "off"));
    assertThat(config.gateway().maxAttempts()).isEqualTo(2);
    assertThat(config.gateway().provider("openrouter").baseUrl()).isEqualTo("http://proxy/api/v1");
    assertThat(config.gateway().provider("ollama").maxConcurrency()).isEqualTo(7);
    assertThat(config.gateway().provider("ollama").rateLimit()).isEqualTo(new RateLimit(3, 3));
    assertThat(config.defaultJudge()).isEqualTo("ollama/other");
    assertThat(config.gateway().provider("simulator").http2()).isTrue();
    assertThat(config.gateway().provider("ollama").webTools()).isEqualTo("off");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> load(FILE, Map.of("FUSION_PROVIDER_OLLAMA_WEB_TOOLS",
        "sometimes"))).hasMessageContaining("providers.ollama.web_tools");
  }

  @Test
  void aProviderWhoseKeyVariableIsUnsetIsLeftOutUnlessTheKeyIsOptional() throws Exception {
    FusionConfig config = load(FILE, Map.of());
    assertThat(config.gateway().provider("openrouter")).isNull();
    assertThat(config.gateway().provider("vllm")).isNull();
    assertThat(config.gateway().provider("ollama")).isNotNull();
    // Without OpenRouter the built-in defaults would be simulated; the file's defaults still apply.
    assertThat(config.defaultJudge()).isEqualTo("ollama/qwen2.5");

    FusionConfig optional = load("""
        providers:
          lmstudio: {base_url: "http://127.0.0.1:1234/v1", api_key_env: LMSTUDIO_KEY, api_key_optional: true}
        """, Map.of());
    assertThat(optional.gateway().providerFor("lmstudio/phi-4").apiKey()).isNull();
    assertThat(optional.gateway().providerFor("lmstudio/phi-4").wireModel("lmstudio/phi-4")).isEqualTo("phi-4");
  }

  @Test
  void typosAndWrongTypesAreRejectedWithTheKeyNamed() {
    assertThatThrownBy(() -> load("providers:\n  x: {base_url: http://h/v1, max_concurency: 3}\n", Map.of()))
        .hasMessageContaining("max_concurency").hasMessageContaining("providers.x");
    assertThatThrownBy(() -> load("models:\n  a/b: {price: {prompt: cheap}}\n", Map.of()))
        .hasMessageContaining("models.a/b.price.prompt");
    assertThatThrownBy(() -> load("gatway: {}\n", Map.of())).hasMessageContaining("gatway");
    assertThatThrownBy(() -> load("providers:\n  x: {prefixes: [x/]}\n", Map.of())).hasMessageContaining("base_url");
  }

  @Test
  void withoutAFileTheEnvironmentAloneStillConfiguresProviders() {
    FusionConfig config = FusionConfig.fromEnv(Map.of("OPENAI_API_KEY", "sk-openai", "FUSION_LOCAL_BASE_URL",
        "http://127.0.0.1:11434/v1"));
    assertThat(config.gateway().providerFor("openai-direct/gpt-4o").wireModel("openai-direct/gpt-4o"))
        .isEqualTo("gpt-4o");
    assertThat(config.gateway().providerFor("local/llama3.1").baseUrl()).isEqualTo("http://127.0.0.1:11434/v1");
    assertThat(config.gateway().providers()).extracting(Provider::name)
        .containsExactly("simulator", "openai", "local");
    assertThat(config.gateway().toString()).doesNotContain("sk-openai");
    assertThat(List.of(config.simulatedDefaults())).containsExactly(true);
  }
}
