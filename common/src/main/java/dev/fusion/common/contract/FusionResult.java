package dev.fusion.common.contract;

import java.util.List;
import java.util.Map;

/**
 * The final, published outcome of a job (the results topic is compacted on job ID). {@code judge} says
 * who judged and how (the labels it saw, its web tool calls, whether it also sat on the panel);
 * {@code toolCalls} holds the client's own tools the outer model called in its final answer (then
 * {@code answer} may be empty and the completion's finish reason is {@code tool_calls}).
 */
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
    FusionJob job,
    String correlationId,
    String replyTopic,
    JudgeReport judge,
    List<AnswerToolCall> toolCalls) implements Validated {

  public static final int SCHEMA_VERSION = 1;

  @Override
  public void validate() {
    validateHeader(schemaVersion, jobId, status);
  }

  /**
   * The contract's checks on the fields a reader that does not build the result reads (the jobs view
   * reads a result's header with a streaming parser).
   */
  public static void validateHeader(int schemaVersion, String jobId, String status) {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "FusionResult");
    Validated.requireText(jobId, "job_id");
    Validated.requireText(status, "status");
  }

  /** The result of a job its owner cancelled: no answer, no panel, the time it ran as {@code total}. */
  public static FusionResult cancelled(String jobId, String tenant, long acceptedAtMs, long cancelledAtMs) {
    return new FusionResult(SCHEMA_VERSION, jobId, tenant, CANCELLED, null, null, ROUTER, null, List.of(),
        List.of(), null, "The job was cancelled by its owner.", null,
        Map.of("total", Math.max(0, cancelledAtMs - acceptedAtMs)), acceptedAtMs, cancelledAtMs);
  }

  /**
   * A completed result with an answer and nothing else (no analysis, panel or usage): what a test or a
   * stage without a panel needs.
   */
  public static FusionResult completed(String jobId, String tenant, String answer, String model,
      long acceptedAtMs, long completedAtMs) {
    return new FusionResult(SCHEMA_VERSION, jobId, tenant, COMPLETED, answer, model, ROUTER, null, List.of(),
        List.of(), null, null, null, Map.of("total", Math.max(0, completedAtMs - acceptedAtMs)), acceptedAtMs,
        completedAtMs);
  }

  /** The same result, linked to the job it judges again and carrying its job (for a later rejudge). */
  public FusionResult withJob(FusionJob job) {
    return new FusionResult(schemaVersion, jobId, tenant, status, answer, model, router, analysis, responses,
        failedModels, failureReason, error, usage, timingsMs, acceptedAtMs, completedAtMs,
        job == null ? null : job.rejudgeOf(), job, correlationId, replyTopic, judge, toolCalls);
  }

  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  /**
   * Without the rejudge link, the job and reply routing. {@code job} is kept in full results so a rejudge
   * can rebuild the panel (conversation and settings) from the compacted results topic alone.
   */
  public FusionResult(int schemaVersion, String jobId, String tenant, String status, String answer, String model,
      String router, Analysis analysis, List<PanelResponse> responses, List<FailedModel> failedModels,
      String failureReason, String error, UsageReport usage, Map<String, Long> timingsMs, long acceptedAtMs,
      long completedAtMs) {
    this(schemaVersion, jobId, tenant, status, answer, model, router, analysis, responses, failedModels,
        failureReason, error, usage, timingsMs, acceptedAtMs, completedAtMs, null, null, null, null, null, null);
  }

  /** The same result routed back to a Kafka submitter, when the job named a reply topic. */
  public FusionResult withReply(Submission submission) {
    if (submission == null || submission.correlationId() == null) {
      return this;
    }
    return new FusionResult(schemaVersion, jobId, tenant, status, answer, model, router, analysis, responses,
        failedModels, failureReason, error, usage, timingsMs, acceptedAtMs, completedAtMs, rejudgeOf, job,
        submission.correlationId(), submission.replyTopic(), judge, toolCalls);
  }
  public static final String ROUTER = "fusion";

  /**
   * A panel model's answer as reported to users; {@code truncated} is true when the answer was longer than
   * its cap and was cut (its text ends with a marker saying so), absent otherwise; {@code sources} lists
   * its web tool calls (absent when it made none).
   */
  public record PanelResponse(String model, String respondingModel, String content, Usage usage, long latencyMs,
      Boolean truncated, List<ToolStep> sources) {
    public PanelResponse(String model, String respondingModel, String content, Usage usage, long latencyMs) {
      this(model, respondingModel, content, usage, latencyMs, null, null);
    }
  }

  /** A panel model that did not answer, with its typed reason (and upstream status where one exists). */
  public record FailedModel(String model, String reason, Integer status, String error) {}

  /**
   * The judge as it ran: its model, the anonymous labels it saw and the model behind each, its web tool
   * calls, and whether it also sat on the panel (allowed; flagged because it judges its own answer).
   */
  public record JudgeReport(String model, Map<String, String> labels, List<ToolStep> sources, boolean onPanel) {}

  /** A client function the outer model called in its final answer, as the completion's tool call. */
  public record AnswerToolCall(String id, String name, String arguments) {}

  /**
   * Usage per model, per stage ({@code router} when the outer model decided to deliberate, {@code panel},
   * {@code judge}, {@code synthesizer}) and in total; the stages and the models each add up to the total.
   */
  public record UsageReport(Map<String, Usage> byModel, Map<String, Usage> byStage, Usage total) {}
}
