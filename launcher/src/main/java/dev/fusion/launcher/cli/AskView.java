package dev.fusion.launcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.contract.EventTypes;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code fusion ask} prints for a deliberation: a line per panel model as it answers, a compact
 * view of the judge's analysis, then the answer. Everything fits the terminal's width: snippets are
 * clipped to one line, the answer wraps at word boundaries. Pure text in, text out, so it is
 * unit-tested; the command only moves bytes.
 */
public final class AskView {
  /** The narrowest a clipped snippet gets, however narrow the terminal. */
  private static final int MIN_SNIPPET = 20;
  private final int width;
  private final TextWrap answer;
  private boolean answerStarted;
  private boolean analysisShown;

  /** A view for an 80-column terminal. */
  public AskView() {
    this(OutputOptions.DEFAULT_WIDTH);
  }

  /** A view for a terminal {@code width} columns wide (0: never wrap or clip to it). */
  public AskView(int width) {
    this.width = width;
    this.answer = new TextWrap(width);
  }

  /** Text for one streamed event ({@code data} is the event's data object), or "" for none. */
  public String event(String type, JsonNode data) {
    String model = data.path("model").asText();
    return switch (type) {
      case EventTypes.PANEL_ADDED -> fit("  … " + model + " is answering") + "\n";
      case EventTypes.PANEL_COMPLETED -> snippet("  ✓ " + model + " answered in " + data.path("latency_ms").asLong()
          + " ms: ", data.path("content").asText()) + "\n";
      case EventTypes.PANEL_FAILED -> fit("  ✗ " + model + " failed: " + data.path("reason").asText()
          + (data.has("status") ? " (HTTP " + data.path("status").asInt() + ")" : "")) + "\n";
      case EventTypes.ANALYSIS_IN_PROGRESS -> "\n" + fit("Judge " + model + " is comparing the answers…") + "\n";
      case EventTypes.ANALYSIS_COMPLETED -> {
        analysisShown = true;
        yield analysis(data.path("analysis"));
      }
      case EventTypes.ANALYSIS_FAILED -> {
        analysisShown = true;
        yield fit("Analysis unavailable: " + data.path("reason").asText() + " (answering from the panel directly)")
            + "\n";
      }
      case EventTypes.OUTPUT_TEXT_DELTA -> {
        String prefix = answerStarted ? "" : "\nAnswer:\n";
        answerStarted = true;
        yield prefix + answer.feed(data.path("delta").asText());
      }
      // The answer's last word, held back by the wrapping until the stream ends.
      case EventTypes.COMPLETED, EventTypes.FAILED, EventTypes.CANCELLED -> answer.finish();
      default -> "";
    };
  }

  /** The compact analysis: counts per section and the first few items of each, each on one line. */
  public String analysis(JsonNode a) {
    StringBuilder out = new StringBuilder("\nAnalysis\n");
    section(out, "consensus", a.path("consensus"), n -> n.asText());
    section(out, "contradictions", a.path("contradictions"), n -> {
      List<String> stances = new ArrayList<>();
      n.path("stances").forEach(s -> stances.add(s.path("model").asText() + ": " + s.path("stance").asText()));
      return n.path("topic").asText() + " — " + String.join(" | ", stances);
    });
    section(out, "partial coverage", a.path("partial_coverage"), n -> {
      List<String> models = new ArrayList<>();
      n.path("models").forEach(m -> models.add(m.asText()));
      return n.path("point").asText() + " (" + String.join(", ", models) + ")";
    });
    section(out, "unique insights", a.path("unique_insights"),
        n -> n.path("model").asText() + ": " + n.path("insight").asText());
    section(out, "blind spots", a.path("blind_spots"), n -> n.asText());
    return out.toString();
  }

  private void section(StringBuilder out, String name, JsonNode items,
      java.util.function.Function<JsonNode, String> line) {
    int n = items.isArray() ? items.size() : 0;
    out.append(String.format("  %-17s %d%n", name, n));
    for (int i = 0; i < Math.min(3, n); i++) {
      out.append(snippet("    • ", line.apply(items.get(i)))).append('\n');
    }
    if (n > 3) {
      out.append("    … ").append(n - 3).append(" more\n");
    }
  }

  /** Everything for a finished job, when there was no event stream (polling). */
  public String finished(JsonNode job) {
    JsonNode r = job.path("result");
    StringBuilder out = new StringBuilder();
    for (JsonNode p : r.path("responses")) {
      out.append(snippet("  ✓ " + p.path("model").asText() + " answered in " + p.path("latency_ms").asLong() + " ms: ",
          p.path("content").asText())).append('\n');
    }
    for (JsonNode f : r.path("failed_models")) {
      out.append(fit("  ✗ " + f.path("model").asText() + " failed: " + f.path("reason").asText())).append('\n');
    }
    if (!analysisShown && r.has("analysis")) {
      out.append(analysis(r.path("analysis")));
    }
    out.append(tail(job));
    return out.toString();
  }

  /** The answer (unless it was streamed) and the outcome line. */
  public String tail(JsonNode job) {
    JsonNode r = job.path("result");
    StringBuilder out = new StringBuilder();
    if (!answerStarted && r.hasNonNull("answer")) {
      out.append("\nAnswer:\n").append(TextWrap.wrap(r.path("answer").asText(), width));
    } else {
      out.append(answer.finish());
    }
    StringBuilder outcome = new StringBuilder(job.path("status").asText()).append(" · ").append(r.path("model").asText());
    if (r.hasNonNull("failure_reason")) {
      outcome.append(" · ").append(r.path("failure_reason").asText());
    }
    JsonNode total = r.path("usage").path("total");
    if (total.isObject()) {
      outcome.append(" · ").append(total.path("prompt_tokens").asLong() + total.path("completion_tokens").asLong())
          .append(" tokens");
    }
    return out.append("\n\n").append(fit(outcome.toString())).append('\n').toString();
  }

  /**
   * {@code prefix} then {@code text} clipped to the rest of the line, or to a short snippet on the next
   * line when the prefix leaves too little room.
   */
  private String snippet(String prefix, String text) {
    int room = width <= 0 ? 0 : Math.max(MIN_SNIPPET, width - prefix.codePointCount(0, prefix.length()));
    return fit(prefix + TextWrap.clip(text, room));
  }

  /** A line wrapped at word boundaries to the width. */
  private String fit(String line) {
    return TextWrap.wrap(line, width);
  }
}
