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
    Submission submission) implements Validated {

  public static final int SCHEMA_VERSION = 1;

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
        maxCompletionTokens, acceptedAtMs, null, null, null, null);
  }

  /** With the chat-completions plugin settings, and the rejudge link if any. */
  public FusionJob(int schemaVersion, String jobId, String tenant, List<ChatMessage> messages,
      List<String> analysisModels, String judgeModel, String synthesizerModel, Double temperature,
      Integer maxCompletionTokens, long acceptedAtMs, Integer maxToolCalls, JsonNode reasoning, String rejudgeOf) {
    this(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel, temperature,
        maxCompletionTokens, acceptedAtMs, maxToolCalls, reasoning, rejudgeOf, null);
  }

  /** The same job with how it was submitted (idempotency key, Kafka correlation and reply topic). */
  public FusionJob withSubmission(Submission s) {
    return new FusionJob(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel,
        temperature, maxCompletionTokens, acceptedAtMs, maxToolCalls, reasoning, rejudgeOf, s);
  }

  public int panelSize() {
    return analysisModels.size();
  }
}
