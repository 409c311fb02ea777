package dev.fusion.common.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An accepted deliberation: the conversation, the panel, the judge and the synthesizer. Written once by
 * ingress to the jobs topic; every later record carries it so each stage is self-contained.
 *
 * <p>{@code maxToolCalls} and {@code reasoning} come from the chat-completions fusion plugin;
 * {@code rejudgeOf} names the job whose stored panel answers a rejudge reuses (no panel calls).
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
    String rejudgeOf) {

  public static final int SCHEMA_VERSION = 1;

  /** A job without the optional chat-completions settings (jobs API, tests). */
  public FusionJob(int schemaVersion, String jobId, String tenant, List<ChatMessage> messages,
      List<String> analysisModels, String judgeModel, String synthesizerModel, Double temperature,
      Integer maxCompletionTokens, long acceptedAtMs) {
    this(schemaVersion, jobId, tenant, messages, analysisModels, judgeModel, synthesizerModel, temperature,
        maxCompletionTokens, acceptedAtMs, null, null, null);
  }

  public int panelSize() {
    return analysisModels.size();
  }
}
