package dev.fusion.ingress.request;

import dev.fusion.common.config.Env;
import dev.fusion.common.config.FusionConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deliberation presets a chat-completions client picks by model ID: {@code fusion} (= quality, also
 * reachable as the hosted feature's {@code openrouter/fusion}),
 * {@code fusion/quality}, {@code fusion/fast}, {@code fusion/budget}. Each names a panel, a judge and
 * the outer model (which routes and writes the final answer). Every part can be set by environment
 * ({@code FUSION_PRESET_<NAME>_PANEL|_JUDGE|_SYNTHESIZER}); with no provider key the defaults are
 * simulated models.
 */
public final class Presets {
  public static final String FUSION = "fusion";
  public static final String PREFIX = "fusion/";
  /** The hosted feature's model slug, so its clients work unchanged. */
  public static final String HOSTED_ALIAS = "openrouter/fusion";

  /** One preset: who deliberates, who judges, who writes. */
  public record Preset(String name, List<String> panel, String judge, String synthesizer) {}

  private final Map<String, Preset> byModelId;

  private Presets(Map<String, Preset> byModelId) {
    this.byModelId = byModelId;
  }

  public static Presets fromEnv(FusionConfig config) {
    return fromEnv(System.getenv(), config);
  }

  public static Presets fromEnv(Map<String, String> vars, FusionConfig config) {
    Env env = new Env(vars);
    boolean simulated = config.simulatedDefaults();
    // Quality is the configured default deliberation, so FUSION_DEFAULT_* keep working for "fusion".
    Preset quality = preset(env, "quality", config.defaultPanel(), config.defaultJudge(), config.defaultSynthesizer());
    Preset fast = preset(env, "fast",
        simulated ? List.of("sim/alpha", "sim/beta") : List.of("openai/gpt-5-mini", "google/gemini-2.5-flash",
            "anthropic/claude-haiku-4.5"),
        simulated ? "sim/judge" : "openai/gpt-5-mini",
        simulated ? "sim/writer" : "openai/gpt-5-mini");
    Preset budget = preset(env, "budget",
        simulated ? List.of("sim/alpha") : List.of("openai/gpt-5-nano", "google/gemini-2.5-flash-lite"),
        simulated ? "sim/judge" : "openai/gpt-5-nano",
        simulated ? "sim/writer" : "openai/gpt-5-nano");
    Map<String, Preset> map = new LinkedHashMap<>();
    map.put(FUSION, quality);
    map.put(HOSTED_ALIAS, quality);
    map.put(PREFIX + "quality", quality);
    map.put(PREFIX + "fast", fast);
    map.put(PREFIX + "budget", budget);
    return new Presets(map);
  }

  private static Preset preset(Env env, String name, List<String> panel, String judge, String synth) {
    String key = "FUSION_PRESET_" + name.toUpperCase(java.util.Locale.ROOT);
    List<String> p = env.list(key + "_PANEL", panel);
    if (p.isEmpty() || p.size() > JobRequests.MAX_PANEL) {
      throw new IllegalArgumentException(key + "_PANEL must name 1 to " + JobRequests.MAX_PANEL + " models");
    }
    return new Preset(name, p, env.get(key + "_JUDGE", judge), env.get(key + "_SYNTHESIZER", synth));
  }

  /** The preset a model ID selects, or null when the ID is not a fusion model. */
  public Preset forModel(String modelId) {
    return modelId == null ? null : byModelId.get(modelId);
  }

  /** Every model ID that selects a preset (aliases included), in a stable order, with the preset it selects. */
  public Map<String, Preset> byModelId() {
    return java.util.Collections.unmodifiableMap(byModelId);
  }

  public Preset quality() {
    return byModelId.get(FUSION);
  }

  public boolean isFusionModel(String modelId) {
    return modelId != null && (modelId.equals(FUSION) || modelId.equals(HOSTED_ALIAS) || modelId.startsWith(PREFIX));
  }
}
