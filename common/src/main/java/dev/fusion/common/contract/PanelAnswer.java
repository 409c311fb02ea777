package dev.fusion.common.contract;

import java.util.List;

/**
 * One panel model's answer to a job, or its typed failure. {@link #answerId()} is deterministic so a
 * replayed answer overwrites rather than adds. {@code sources} lists the web tool calls the model made
 * while it worked (searches and fetches, successful or not), in order; empty when it made none.
 */
public record PanelAnswer(
    int schemaVersion,
    String jobId,
    int panelIndex,
    String model,
    String respondingModel,
    boolean ok,
    String content,
    String failureReason,
    Integer upstreamStatus,
    String error,
    Usage usage,
    long startedAtMs,
    long completedAtMs,
    List<ToolStep> sources) implements Validated {

  public static final int SCHEMA_VERSION = 1;

  public PanelAnswer {
    sources = sources == null ? List.of() : List.copyOf(sources);
  }

  /** Without web tool calls. */
  public PanelAnswer(int schemaVersion, String jobId, int panelIndex, String model, String respondingModel, boolean ok,
      String content, String failureReason, Integer upstreamStatus, String error, Usage usage, long startedAtMs,
      long completedAtMs) {
    this(schemaVersion, jobId, panelIndex, model, respondingModel, ok, content, failureReason, upstreamStatus, error,
        usage, startedAtMs, completedAtMs, List.of());
  }

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "PanelAnswer");
    Validated.requireText(jobId, "job_id");
    Validated.requireText(model, "model");
    if (panelIndex < 0) {
      throw new IllegalArgumentException("negative panel_index");
    }
  }


  public String answerId() {
    return jobId + ":" + panelIndex;
  }

  public long latencyMs() {
    return completedAtMs - startedAtMs;
  }

  public static PanelAnswer success(String jobId, int index, String model, String respondingModel, String content,
      Usage usage, long startedAtMs, long completedAtMs) {
    return new PanelAnswer(SCHEMA_VERSION, jobId, index, model, respondingModel, true, content, null, null, null,
        usage, startedAtMs, completedAtMs);
  }

  public static PanelAnswer failure(String jobId, int index, String model, String reason, Integer status,
      String error, long startedAtMs, long completedAtMs) {
    return failure(jobId, index, model, reason, status, error, Usage.ZERO, startedAtMs, completedAtMs, List.of());
  }

  /** A failure after calls that cost something (steps of a tool loop before the one that failed). */
  public static PanelAnswer failure(String jobId, int index, String model, String reason, Integer status,
      String error, Usage usage, long startedAtMs, long completedAtMs, List<ToolStep> sources) {
    return new PanelAnswer(SCHEMA_VERSION, jobId, index, model, null, false, null, reason, status, error,
        usage == null ? Usage.ZERO : usage, startedAtMs, completedAtMs, sources);
  }
}
