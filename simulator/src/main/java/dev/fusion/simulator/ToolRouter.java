package dev.fusion.simulator;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decides whether a request with {@code tools} gets a tool call instead of a direct answer. */
final class ToolRouter {

  static final int SHORT_MESSAGE_WORDS = 12;
  static final List<String> DELIBERATE_KEYWORDS =
      List.of("compare", "analy", "research", "pros", "cons", "why", "explain");
  private static final Pattern USE_TOOL =
      Pattern.compile("use tool\\s+([A-Za-z0-9_:./\\-]+)", Pattern.CASE_INSENSITIVE);

  private ToolRouter() {}

  /**
   * The tool to call, or null to answer directly. The rule, in order: no function tools or {@code
   * tool_choice: "none"}: answer. A {@code tool_choice} naming a function: call it. A tool result after the
   * last user message: answer (the tool has answered). The last user message says "use tool NAME" for an
   * offered NAME: call it. A {@code fusion} tool is offered: call it when {@code tool_choice} is
   * {@code "required"} or the message {@link #needsDeliberation needs deliberation}, else answer. Otherwise
   * {@code "required"} calls the first tool, {@code "auto"} answers.
   */
  static String decide(ChatRequest req) {
    if (req.toolNames.isEmpty()) {
      return null;
    }
    String mode = req.toolChoiceMode();
    if (mode.equals("none")) {
      return null;
    }
    String forced = req.forcedFunction();
    if (forced != null) {
      return forced;
    }
    if (req.hasToolResultAfterLastUser()) {
      return null; // the tool has answered: write the final answer
    }
    String last = req.lastUserText();
    Matcher m = USE_TOOL.matcher(last);
    while (m.find()) {
      String name = trimTrailingPunctuation(m.group(1));
      if (req.toolNames.contains(name)) {
        return name;
      }
    }
    boolean required = mode.equals("required");
    if (req.fusionTool != null) {
      if (required || needsDeliberation(last)) {
        return req.fusionTool;
      }
      return null;
    }
    return required ? req.toolNames.get(0) : null;
  }

  /** Long messages, or ones asking to compare, analyse, research, explain…, go to fusion. */
  static boolean needsDeliberation(String message) {
    String text = message.strip();
    int words = Words.count(text);
    if (words >= SHORT_MESSAGE_WORDS) {
      return true;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    for (String k : DELIBERATE_KEYWORDS) {
      if (lower.contains(k)) {
        return true;
      }
    }
    return false;
  }

  private static String trimTrailingPunctuation(String s) {
    int end = s.length();
    while (end > 0 && ".,;:".indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(0, end);
  }
}
