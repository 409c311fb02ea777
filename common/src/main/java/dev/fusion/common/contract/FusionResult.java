package dev.fusion.common.contract;

import java.util.List;
import java.util.Map;

/** The final, published outcome of a job (the results topic is compacted on job ID). */
public record FusionResult(
    int schemaVersion,
    String jobId,
    String tenant,
    String status,
    String answer,
    String model,
    String router,
    Analysis analysis,
    List<PanelResponse> responses,
    List<FailedModel> failedModels,
    String failureReason,
    String error,
    UsageReport usage,
    Map<String, Long> timingsMs,
    long acceptedAtMs,
    long completedAtMs,
    String rejudgeOf,
    FusionJob job) {

  public static final int SCHEMA_VERSION = 1;
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";
  public static final String ROUTER = "fusion";

  /**
   * Without the rejudge link and the job. {@code job} is kept in the result so a rejudge can rebuild
   * the panel (conversation and settings) from the compacted results topic alone.
   */
  public FusionResult(int schemaVersion, String jobId, String tenant, String status, String answer, String model,
      String router, Analysis analysis, List<PanelResponse> responses, List<FailedModel> failedModels,
      String failureReason, String error, UsageReport usage, Map<String, Long> timingsMs, long acceptedAtMs,
      long completedAtMs) {
    this(schemaVersion, jobId, tenant, status, answer, model, router, analysis, responses, failedModels,
        failureReason, error, usage, timingsMs, acceptedAtMs, completedAtMs, null, null);
  }

  /** A panel model's answer as reported to users. */
  public record PanelResponse(String model, String respondingModel, String content, Usage usage, long latencyMs) {}

  /** A panel model that did not answer, with its typed reason (and upstream status where one exists). */
  public record FailedModel(String model, String reason, Integer status, String error) {}

  /** Usage per model, per stage ({@code panel}, {@code judge}, {@code synthesizer}) and in total. */
  public record UsageReport(Map<String, Usage> byModel, Map<String, Usage> byStage, Usage total) {}
}
