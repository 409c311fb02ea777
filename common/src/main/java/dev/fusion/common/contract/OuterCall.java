package dev.fusion.common.contract;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the client of a chat completion set for the outer model, which writes the final answer: its own
 * top-level {@code temperature} and token limit (the fusion config's apply to the panel and judge only),
 * its own {@code tools} (still on offer when the outer model writes the answer; null when none), and the
 * cost of the routing call that decided to deliberate ({@code tool_choice: "auto"}), so the job's usage
 * is complete.
 */
public record OuterCall(Double temperature, Integer maxCompletionTokens, JsonNode tools, String routerModel,
    Usage routerUsage) {

  /** The same settings with the routing call's model and usage. */
  public OuterCall withRouter(String model, Usage usage) {
    return new OuterCall(temperature, maxCompletionTokens, tools, model, usage);
  }
}
