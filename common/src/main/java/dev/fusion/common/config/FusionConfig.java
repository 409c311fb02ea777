package dev.fusion.common.config;

import dev.fusion.common.gateway.GatewayConfig;
import dev.fusion.common.gateway.Provider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything a Fusion process is configured with, read from environment variables (see
 * docs/configuration.md for every key). One record serves every service; each reads what it needs.
 */
public record FusionConfig(
    String bootstrapServers,
    String topicPrefix,
    int topicPartitions,
    short topicReplication,
    int httpPort,
    Path dataDir,
    int panelMaxInFlight,
    int judgeMaxInFlight,
    int synthMaxInFlight,
    Duration panelDeadline,
    int panelQuorum,
    Duration streamsCommitInterval,
    List<String> defaultPanel,
    String defaultJudge,
    String defaultSynthesizer,
    boolean simulatedDefaults,
    GatewayConfig gateway,
    String simulatorBaseUrl) {

  public static final List<String> SIM_PANEL = List.of("sim/alpha", "sim/beta", "sim/gamma");
  public static final String SIM_JUDGE = "sim/judge";
  public static final String SIM_SYNTHESIZER = "sim/writer";
  /** The hosted feature's "Quality" preset, used when an OpenRouter key is configured. */
  public static final List<String> QUALITY_PANEL =
      List.of("anthropic/claude-opus-4.1", "openai/gpt-5", "google/gemini-2.5-pro");

  public static FusionConfig fromEnv() {
    return fromEnv(System.getenv());
  }

  public static FusionConfig fromEnv(Map<String, String> vars) {
    Env env = new Env(vars);
    String simBase = env.get("FUSION_SIMULATOR_URL", "http://127.0.0.1:" + env.integer("SIM_PORT", 8090) + "/v1");
    List<Provider> providers = new ArrayList<>();
    providers.add(new Provider("simulator", simBase, null, List.of("sim/"), false, 100_000));
    String openRouterKey = env.optional("OPENROUTER_API_KEY");
    String openAiKey = env.optional("OPENAI_API_KEY");
    if (openAiKey != null) {
      providers.add(new Provider("openai", env.get("OPENAI_BASE_URL", "https://api.openai.com/v1"), openAiKey,
          List.of("openai-direct/"), true, 256));
    }
    if (openRouterKey != null) {
      // Vendor/model IDs (anthropic/..., openai/..., google/...) go to OpenRouter by default.
      providers.add(new Provider("openrouter", env.get("OPENROUTER_BASE_URL", "https://openrouter.ai/api/v1"),
          openRouterKey, List.of(""), false, 256));
    }
    String localBase = env.optional("FUSION_LOCAL_BASE_URL");
    if (localBase != null) {
      providers.add(new Provider("local", localBase, env.optional("FUSION_LOCAL_API_KEY"),
          List.of(env.get("FUSION_LOCAL_PREFIX", "local/")), true, 64));
    }
    boolean simulated = openRouterKey == null;
    List<String> panel = env.list("FUSION_DEFAULT_PANEL", simulated ? SIM_PANEL : QUALITY_PANEL);
    String judge = env.get("FUSION_DEFAULT_JUDGE", simulated ? SIM_JUDGE : "openai/gpt-5");
    String synth = env.get("FUSION_DEFAULT_SYNTHESIZER", simulated ? SIM_SYNTHESIZER : "openai/gpt-5");
    GatewayConfig gateway = new GatewayConfig(providers,
        Duration.ofMillis(env.longValue("FUSION_MODEL_TIMEOUT_MS", 120_000)),
        Duration.ofMillis(env.longValue("FUSION_MODEL_FIRST_TOKEN_TIMEOUT_MS", 60_000)),
        env.integer("FUSION_MODEL_MAX_ATTEMPTS", 3),
        Duration.ofMillis(env.longValue("FUSION_MODEL_BACKOFF_MS", 250)),
        Duration.ofMillis(env.longValue("FUSION_MODEL_MAX_BACKOFF_MS", 20_000)),
        env.integer("FUSION_MODEL_POOL_SIZE", 512));
    return new FusionConfig(
        env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        env.get("FUSION_TOPIC_PREFIX", ""),
        env.integer("FUSION_TOPIC_PARTITIONS", 6),
        (short) env.integer("FUSION_TOPIC_REPLICATION", 1),
        env.integer("FUSION_HTTP_PORT", 8080),
        Path.of(env.get("FUSION_DATA_DIR", ".fusion-data")),
        env.integer("FUSION_PANEL_MAX_IN_FLIGHT", 2_000),
        env.integer("FUSION_JUDGE_MAX_IN_FLIGHT", 2_000),
        env.integer("FUSION_SYNTH_MAX_IN_FLIGHT", 2_000),
        Duration.ofMillis(env.longValue("FUSION_PANEL_DEADLINE_MS", 180_000)),
        env.integer("FUSION_PANEL_QUORUM", 1),
        Duration.ofMillis(env.longValue("FUSION_STREAMS_COMMIT_MS", 20)),
        panel, judge, synth, simulated && panel.stream().allMatch(m -> m.startsWith("sim/")),
        gateway, simBase);
  }

  /** Copy with another bootstrap server list (tests, dev mode). */
  public FusionConfig withBootstrap(String servers) {
    return new FusionConfig(servers, topicPrefix, topicPartitions, topicReplication, httpPort, dataDir,
        panelMaxInFlight, judgeMaxInFlight, synthMaxInFlight, panelDeadline, panelQuorum, streamsCommitInterval,
        defaultPanel, defaultJudge, defaultSynthesizer, simulatedDefaults, gateway, simulatorBaseUrl);
  }
}
