package dev.fusion.common.contract;

import java.util.List;

/**
 * The judge stage's output: the panel set plus the analysis, or the reason there is none
 * ({@code judgeFailureReason}); the synthesizer answers either way and says which.
 */
public record AnalysisRecord(
    int schemaVersion,
    String jobId,
    FusionJob job,
    List<PanelAnswer> answers,
    String panelCompletion,
    long panelCompletedAtMs,
    Analysis analysis,
    String judgeModel,
    String judgeFailureReason,
    String judgeError,
    Usage judgeUsage,
    long judgeStartedAtMs,
    long judgeCompletedAtMs) implements Validated {

  public static final int SCHEMA_VERSION = 1;

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "AnalysisRecord");
    Validated.requireText(jobId, "job_id");
    Validated.require(job, "job");
    job.validate();
    Validated.validateAll(answers, "answers");
  }
}
