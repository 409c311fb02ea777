package dev.fusion.ingress.request;

import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.config.RecordBudget;
import java.util.function.Predicate;

/**
 * What this server accepts in a deliberation request, whichever way it came in: the message count, the
 * prompt length, the panel size ({@code FUSION_MAX_MESSAGES}, {@code FUSION_MAX_PROMPT_CHARS},
 * {@code FUSION_MAX_PANEL}), the record budget (bytes), the presets it offers and the model IDs a
 * configured provider serves. Everything here is local: checking a request costs no network call.
 *
 * @param served whether a configured provider serves a model ID (the gateway's prefix routing)
 */
public record Limits(int maxMessages, long maxPromptChars, int maxPanel, RecordBudget budget, Presets presets,
    Predicate<String> served) {
  public static final int MIN_PANEL = 1;
  public static final int MAX_PANEL = RecordBudget.MAX_PANEL;
  public static final int MIN_TOOL_CALLS = 1;
  public static final int MAX_TOOL_CALLS = 16;

  /** The limits of a server with this configuration: its request limits, presets and providers. */
  public static Limits of(FusionConfig config, RequestLimits limits, Presets presets) {
    var gateway = config.gateway();
    return new Limits(limits.maxMessages(), limits.maxPromptChars(), limits.maxPanel(), config.recordBudget(),
        presets, model -> gateway.providerFor(model) != null);
  }
}
