package dev.fusion.common.contract;

/**
 * One web tool call a model made while it worked (a panel model or the judge): a search with its query
 * and result count, or a page fetch with its URL, HTTP status and size; {@code error} says what went
 * wrong when the call did not succeed (the model was told so in its tool result, and the loop went on).
 * {@code step} is the loop step (1-based) the call belonged to; several calls may share one step.
 */
public record ToolStep(
    int step,
    String tool,
    String callId,
    String query,
    Integer resultCount,
    String url,
    Integer status,
    Long bytes,
    long durationMs,
    String error) {

  public static final String WEB_SEARCH = "web_search";
  public static final String WEB_FETCH = "web_fetch";

  public static ToolStep search(int step, String callId, String query, Integer resultCount, long durationMs,
      String error) {
    return new ToolStep(step, WEB_SEARCH, callId, query, resultCount, null, null, null, durationMs, error);
  }

  public static ToolStep fetch(int step, String callId, String url, Integer status, Long bytes, long durationMs,
      String error) {
    return new ToolStep(step, WEB_FETCH, callId, null, null, url, status, bytes, durationMs, error);
  }

  /** The same call, placed at {@code step} of its loop. */
  public ToolStep atStep(int step) {
    return new ToolStep(step, tool, callId, query, resultCount, url, status, bytes, durationMs, error);
  }

  public boolean ok() {
    return error == null;
  }
}
