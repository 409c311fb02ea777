package dev.fusion.common.contract;

import java.util.List;
import java.util.Map;

/**
 * The judge stage's output: the panel set plus the analysis, or the reason there is none
 * ({@code judgeFailureReason}); the synthesizer answers either way and says which.
 *
 * <p>{@code judgeSkipped} is true when no judge ran because the panel produced nothing useful (the reason
 * then says why: {@code all_panels_failed}, or {@code rate_limited} / {@code insufficient_credits} when
 * every model failed that way). {@code judgeLabels} maps the anonymous labels the judge saw ("Response A")
 * to the models behind them; {@code judgeSources} lists the judge's web tool calls.
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
    long judgeCompletedAtMs,
    boolean judgeSkipped,
    Map<String, String> judgeLabels,
    List<ToolStep> judgeSources) implements Validated {

  public static final int SCHEMA_VERSION = 1;

  public AnalysisRecord {
    judgeLabels = judgeLabels == null ? Map.of() : judgeLabels;
    judgeSources = judgeSources == null ? List.of() : List.copyOf(judgeSources);
  }

  /** Without the judge's labels and tool calls (a judge that ran, or records written before they existed). */
  public AnalysisRecord(int schemaVersion, String jobId, FusionJob job, List<PanelAnswer> answers,
      String panelCompletion, long panelCompletedAtMs, Analysis analysis, String judgeModel, String judgeFailureReason,
      String judgeError, Usage judgeUsage, long judgeStartedAtMs, long judgeCompletedAtMs) {
    this(schemaVersion, jobId, job, answers, panelCompletion, panelCompletedAtMs, analysis, judgeModel,
        judgeFailureReason, judgeError, judgeUsage, judgeStartedAtMs, judgeCompletedAtMs, false, null, null);
  }

  /** True when the panel produced nothing useful, so no judge ran (records from before the flag: by reason). */
  public boolean panelFailed() {
    return judgeSkipped || FailureReasons.ALL_PANELS_FAILED.equals(judgeFailureReason);
  }

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "AnalysisRecord");
    Validated.requireText(jobId, "job_id");
    Validated.require(job, "job");
    job.validate();
    Validated.validateAll(answers, "answers");
  }
}
