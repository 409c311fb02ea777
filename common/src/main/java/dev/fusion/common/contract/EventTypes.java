package dev.fusion.common.contract;

/** Event names, following the hosted feature's stream so its clients feel at home. */
public final class EventTypes {
  public static final String QUEUED = "response.queued";
  public static final String PANEL_ADDED = "response.fusion_call.panel.added";
  public static final String PANEL_COMPLETED = "response.fusion_call.panel.completed";
  public static final String PANEL_FAILED = "response.fusion_call.panel.failed";
  /** A panel model made a web tool call (a search or a fetch), streamed as it finishes. */
  public static final String PANEL_TOOL_CALL = "response.fusion_call.panel.tool_call";
  /** The judge made a web tool call. */
  public static final String ANALYSIS_TOOL_CALL = "response.fusion_call.analysis.tool_call";
  public static final String ANALYSIS_IN_PROGRESS = "response.fusion_call.analysis.in_progress";
  public static final String ANALYSIS_COMPLETED = "response.fusion_call.analysis.completed";
  public static final String ANALYSIS_FAILED = "response.fusion_call.analysis.failed";
  public static final String FUSION_CALL_COMPLETED = "response.fusion_call.completed";
  public static final String OUTPUT_TEXT_DELTA = "response.output_text.delta";
  public static final String COMPLETED = "response.completed";
  public static final String FAILED = "response.failed";
  /** The job was cancelled (DELETE /v1/jobs/{id}); no stage works on it any more. */
  public static final String CANCELLED = "response.cancelled";

  private EventTypes() {}

  public static boolean isTerminal(String type) {
    return COMPLETED.equals(type) || FAILED.equals(type) || CANCELLED.equals(type);
  }
}
