package dev.fusion.common.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a Fusion process is configured with, read from environment variables and, for the model
 * gateway, an optional YAML file named by {@code FUSION_CONFIG} (see docs/configuration.md for every
 * key; environment variables override the file). One record serves every service; each reads what it needs.
 * {@code recordBudget} holds the size limits of records and what they allow ingress to accept; {@code web} the
 * web tools' search backend and fetch limits; {@code tracing} whether and where spans are exported (OTLP).
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
    boolean streamsExactlyOnce,
    List<String> defaultPanel,
    String defaultJudge,
    String defaultSynthesizer,
    boolean simulatedDefaults,
    GatewayConfig gateway,
    String simulatorBaseUrl,
    RecordBudget recordBudget,
    Duration kafkaSendTimeout,
    WebConfig web,
    TracingSettings tracing) {

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
    String path = env.optional("FUSION_CONFIG");
    ConfigFile file = path == null ? ConfigFile.empty() : ConfigFile.read(Path.of(path));
    String simBase = env.get("FUSION_SIMULATOR_URL", "http://127.0.0.1:" + env.integer("SIM_PORT", 8090) + "/v1");
    GatewayConfig gateway = GatewayConfigLoader.load(env, file, simBase);
    // Real defaults only when a catch-all provider (OpenRouter) exists; otherwise the simulated ones.
    boolean simulated = gateway.provider("openrouter") == null;
    var defaults = file.section("defaults").node;
    List<String> filePanel = defaults.isMissingNode() ? null : ConfigFile.stringsOrNull(defaults, "panel", "defaults");
    String fileJudge = defaults.isMissingNode() ? null : ConfigFile.stringOrNull(defaults, "judge", "defaults");
    String fileSynth = defaults.isMissingNode() ? null : ConfigFile.stringOrNull(defaults, "synthesizer", "defaults");
    List<String> panel = env.list("FUSION_DEFAULT_PANEL",
        filePanel != null ? filePanel : simulated ? SIM_PANEL : QUALITY_PANEL);
    String judge = env.get("FUSION_DEFAULT_JUDGE", fileJudge != null ? fileJudge : simulated ? SIM_JUDGE : "openai/gpt-5");
    String synth = env.get("FUSION_DEFAULT_SYNTHESIZER",
        fileSynth != null ? fileSynth : simulated ? SIM_SYNTHESIZER : "openai/gpt-5");
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
        // Short for exactly-once, where a panel is visible downstream only at a commit (docs/architecture.md).
        env.millis("FUSION_STREAMS_COMMIT_MS", 20, 1, 60_000),
        streamsExactlyOnce(env.get("FUSION_STREAMS_GUARANTEE", "at_least_once")),
        panel, judge, synth, simulated && panel.stream().allMatch(m -> m.startsWith("sim/")),
        gateway, simBase, RecordBudget.fromEnv(env),
        // Below a typical client timeout: a submission during an outage fails (503) while its client waits.
        Duration.ofMillis(env.longValue("FUSION_KAFKA_SEND_TIMEOUT_MS", 10_000)),
        WebConfig.load(env, file),
        TracingSettings.load(env));
  }

  private static boolean streamsExactlyOnce(String guarantee) {
    return switch (guarantee) {
      case "exactly_once_v2" -> true;
      case "at_least_once" -> false;
      default -> throw new IllegalArgumentException(
          "FUSION_STREAMS_GUARANTEE must be exactly_once_v2 or at_least_once, got '" + guarantee + "'");
    };
  }
}
