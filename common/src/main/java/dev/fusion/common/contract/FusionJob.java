package dev.fusion.common.contract;

import java.util.List;

/**
 * An accepted deliberation: the conversation, the panel, the judge and the synthesizer. Written once by
 * ingress to the jobs topic; every later record carries it so each stage is self-contained.
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
    Submission submission) {

  public static final int SCHEMA_VERSION = 1;

  /** Without submission details (tests, internal callers); {@code submission} is then null. */
  public FusionJob(int schemaVersion, String jobId, String tenant, List<ChatMessage> messages,
      List<String> analysisModels, String judgeModel, String synthesizerModel, Double temperature,
      Integer maxCompletionTokens, long acceptedAtMs) {
    this(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel, temperature,
        maxCompletionTokens, acceptedAtMs, null);
  }

  public FusionJob withSubmission(Submission s) {
    return new FusionJob(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel,
        temperature, maxCompletionTokens, acceptedAtMs, s);
  }

  public int panelSize() {
    return analysisModels.size();
  }
}
