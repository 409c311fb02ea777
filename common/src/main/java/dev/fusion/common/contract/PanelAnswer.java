package dev.fusion.common.contract;

/**
 * One panel model's answer to a job, or its typed failure. {@link #answerId()} is deterministic so a
 * replayed answer overwrites rather than adds.
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
    long completedAtMs) implements Validated {

  public static final int SCHEMA_VERSION = 1;

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
    return new PanelAnswer(SCHEMA_VERSION, jobId, index, model, null, false, null, reason, status, error,
        Usage.ZERO, startedAtMs, completedAtMs);
  }
}
