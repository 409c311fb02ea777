package dev.fusion.common.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An accepted deliberation: the conversation, the panel, the judge and the synthesizer. Written once by
 * ingress to the jobs topic; every later record carries it so each stage is self-contained.
 *
 * <p>{@code maxToolCalls} and {@code reasoning} come from the chat-completions fusion plugin;
 * {@code rejudgeOf} names the job whose stored panel answers a rejudge reuses (no panel calls);
 * {@code submission} says how the job came in (idempotency key, Kafka correlation ID and reply topic).
 * {@code outer} holds the client's own settings for the final answer (chat completions; null otherwise);
 * {@code webTools} overrides each provider's configured web-tool mode for the panel and judge calls
 * ({@link WebToolsMode}; null keeps the providers' modes); {@code onFailure} says what a deliberation that
 * produced nothing useful does: {@link #ON_FAILURE_ANSWER} (the outer model answers on its own, told why)
 * or {@link #ON_FAILURE_ERROR} (the job fails; the default when null).
 */
public record FusionJob(
    int schemaVersion,
    String jobId,
    String tenant,
    List<ChatMessage> messages,
    List<String> analysisModels,
    String judgeModel,
    String synthesizerModel,
    Double temperature,
    Integer maxCompletionTokens,
    long acceptedAtMs,
    Integer maxToolCalls,
    JsonNode reasoning,
    String rejudgeOf,
    Submission submission,
    OuterCall outer,
    String webTools,
    String onFailure) implements Validated {

  public static final int SCHEMA_VERSION = 1;
  public static final String ON_FAILURE_ANSWER = "answer";
  public static final String ON_FAILURE_ERROR = "error";

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "FusionJob");
    Validated.requireText(jobId, "job_id");
    Validated.requireText(tenant, "tenant");
    Validated.requireElements(messages, "messages");
    Validated.requireElements(analysisModels, "analysis_models");
    Validated.requireText(judgeModel, "judge_model");
    Validated.requireText(synthesizerModel, "synthesizer_model");
  }


  /** A job with none of the optional settings (jobs API defaults, tests). */
  public FusionJob(int schemaVersion, String jobId, String tenant, List<ChatMessage> messages,
      List<String> analysisModels, String judgeModel, String synthesizerModel, Double temperature,
      Integer maxCompletionTokens, long acceptedAtMs) {
    this(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel, temperature,
        maxCompletionTokens, acceptedAtMs, null, null, null, null, null, null, null);
  }

  /** With the chat-completions plugin settings, and the rejudge link if any. */
  public FusionJob(int schemaVersion, String jobId, String tenant, List<ChatMessage> messages,
      List<String> analysisModels, String judgeModel, String synthesizerModel, Double temperature,
      Integer maxCompletionTokens, long acceptedAtMs, Integer maxToolCalls, JsonNode reasoning, String rejudgeOf) {
    this(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel, temperature,
        maxCompletionTokens, acceptedAtMs, maxToolCalls, reasoning, rejudgeOf, null, null, null, null);
  }

  /** With how it was submitted, and no outer-call, web or failure settings. */
  public FusionJob(int schemaVersion, String jobId, String tenant, List<ChatMessage> messages,
      List<String> analysisModels, String judgeModel, String synthesizerModel, Double temperature,
      Integer maxCompletionTokens, long acceptedAtMs, Integer maxToolCalls, JsonNode reasoning, String rejudgeOf,
      Submission submission) {
    this(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel, temperature,
        maxCompletionTokens, acceptedAtMs, maxToolCalls, reasoning, rejudgeOf, submission, null, null, null);
  }

  /** The same job with how it was submitted (idempotency key, Kafka correlation and reply topic). */
  public FusionJob withSubmission(Submission s) {
    return new FusionJob(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel,
        temperature, maxCompletionTokens, acceptedAtMs, maxToolCalls, reasoning, rejudgeOf, s, outer, webTools,
        onFailure);
  }

  /** Whether a deliberation that produced nothing useful still gets an answer from the outer model. */
  public boolean answersOnFailure() {
    return ON_FAILURE_ANSWER.equals(onFailure);
  }

  /** The tool steps each panel model and the judge may take: the request's, else the reference's 8. */
  public int toolStepLimit() {
    return maxToolCalls == null ? DEFAULT_MAX_TOOL_CALLS : maxToolCalls;
  }

  public static final int DEFAULT_MAX_TOOL_CALLS = 8;

  public int panelSize() {
    return analysisModels.size();
  }
}
