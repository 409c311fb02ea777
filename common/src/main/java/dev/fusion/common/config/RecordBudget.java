package dev.fusion.common.config;

import dev.fusion.common.JsonSize;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.ToolStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one place that knows how large Fusion's records may be, and so what ingress may accept. Every
 * size is in bytes of the serialized (UTF-8, JSON-escaped) form: see {@link JsonSize}.
 *
 * <p>A job fans out into records that carry it: one answer per panel model, a panel set (job and every
 * answer), an analysis record (that plus the analysis) and a result (job, every answer, the analysis and
 * the final answer). The result is the largest, so a job is writable end to end exactly when
 *
 * <pre>
 *   job + MAX_PANEL × answer slot + analysis + final answer + result frame  ≤  max record
 * </pre>
 *
 * where an answer slot is a model answer (or a failure's error) with its model IDs and fields. Model
 * answers, the analysis and the final answer are truncated by their stage to their caps, so only the job
 * is left to bound, and ingress accepts a job up to {@link #maxJobBytes()}.
 *
 * <p>Kafka's limits follow from the same number: every Fusion topic gets {@code max.message.bytes} =
 * {@link #topicMaxMessageBytes()} (a record plus its key, headers and batch framing), the rejections topic
 * room for a dead letter of the largest record ({@link #rejectionsMaxMessageBytes()}), and the producer,
 * which writes to all of them, {@code max.request.size} = {@link #producerMaxRequestBytes()}. The defaults
 * fit under a default broker's {@code message.max.bytes} (1048588), so Fusion also runs on topics and
 * reply topics that were created with the broker's defaults.
 *
 * @param maxRecordBytes the largest record value any stage writes ({@code FUSION_MAX_RECORD_BYTES})
 * @param maxAnswerBytes a panel model's answer, as a JSON string ({@code FUSION_MAX_ANSWER_BYTES})
 * @param maxAnalysisBytes the judge's analysis as JSON ({@code FUSION_MAX_ANALYSIS_BYTES})
 * @param maxFinalAnswerBytes the synthesizer's answer, as a JSON string ({@code FUSION_MAX_FINAL_ANSWER_BYTES})
 */
public record RecordBudget(long maxRecordBytes, long maxAnswerBytes, long maxAnalysisBytes, long maxFinalAnswerBytes) {
  /** The largest panel a job may name; the budget always reserves room for this many answers. */
  public static final int MAX_PANEL = 8;
  /** A model ID (panel, judge, synthesizer, and the model a provider says answered). */
  public static final int MODEL_ID_BYTES = 256;
  /** An error message carried in a record (upstream errors are cut to this). */
  public static final int ERROR_BYTES = 2048;
  /** One answer's fields besides its text and model IDs: index, flags, reason, status, usage, times. */
  static final int ANSWER_FRAME_BYTES = 512;
  /**
   * A result's fields besides job, answers, analysis and final answer: IDs, tenant, status, reason and
   * error, usage by model (up to 10 model IDs) and stage, timings, the reply routing.
   */
  static final int RESULT_FRAME_BYTES = 16 * 1024;
  /**
   * A job's fields besides its messages, models and reasoning: IDs, tenant, numbers, and the submission
   * (an Idempotency-Key of at most 255 printable ASCII chars, a correlation ID of at most 255 chars, a
   * reply topic of at most 249, a request hash).
   */
  static final int JOB_FRAME_BYTES = 4 * 1024;
  /** One message's punctuation and field names, around its role and content. */
  static final int MESSAGE_FRAME_BYTES = 24;
  /** A record's key, headers and Kafka's record and batch framing, on top of its value. */
  public static final int RECORD_FRAMING_BYTES = 8 * 1024;
  /** What a dead letter adds to the record it carries: the reason and source headers. */
  public static final int DEAD_LETTER_HEADROOM_BYTES = 32 * 1024;
  /**
   * One model's web tool calls as a record carries them (a panel answer's, and the judge's): calls past
   * this are left out, and the last kept call says how many were.
   */
  public static final int SOURCES_BYTES = 8 * 1024;
  /** A search query, a URL and an error inside one recorded tool call are cut to these. */
  static final int SOURCE_QUERY_BYTES = 256;
  static final int SOURCE_URL_BYTES = 1024;
  static final int SOURCE_ERROR_BYTES = 256;
  /** One recorded tool call's field names, numbers and punctuation, around its strings. */
  static final int SOURCE_FRAME_BYTES = 160;
  /** Below this a job could not even hold a short prompt: the settings contradict each other. */
  static final long MIN_JOB_BYTES = 16 * 1024;

  public static final RecordBudget DEFAULT = new RecordBudget(1_000_000, 64 * 1024, 64 * 1024, 64 * 1024);

  public RecordBudget {
    if (maxAnswerBytes < ERROR_BYTES || maxAnalysisBytes < ERROR_BYTES || maxFinalAnswerBytes < ERROR_BYTES) {
      throw new IllegalArgumentException("FUSION_MAX_ANSWER_BYTES, FUSION_MAX_ANALYSIS_BYTES and "
          + "FUSION_MAX_FINAL_ANSWER_BYTES must each be at least " + ERROR_BYTES);
    }
    long job = maxRecordBytes - MAX_PANEL * (maxAnswerBytes + 2L * MODEL_ID_BYTES + ANSWER_FRAME_BYTES + SOURCES_BYTES)
        - maxAnalysisBytes - maxFinalAnswerBytes - RESULT_FRAME_BYTES - SOURCES_BYTES;
    if (job < MIN_JOB_BYTES) {
      throw new IllegalArgumentException("FUSION_MAX_RECORD_BYTES=" + maxRecordBytes + " leaves " + job
          + " bytes for a job after " + MAX_PANEL + " answers of FUSION_MAX_ANSWER_BYTES=" + maxAnswerBytes
          + ", FUSION_MAX_ANALYSIS_BYTES=" + maxAnalysisBytes + " and FUSION_MAX_FINAL_ANSWER_BYTES="
          + maxFinalAnswerBytes + "; at least " + MIN_JOB_BYTES + " are needed: raise the record size or lower the caps");
    }
    if (maxRecordBytes + RECORD_FRAMING_BYTES + DEAD_LETTER_HEADROOM_BYTES > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("FUSION_MAX_RECORD_BYTES is too large: " + maxRecordBytes);
    }
  }

  public static RecordBudget fromEnv(Env env) {
    return new RecordBudget(
        env.longValue("FUSION_MAX_RECORD_BYTES", DEFAULT.maxRecordBytes),
        env.longValue("FUSION_MAX_ANSWER_BYTES", DEFAULT.maxAnswerBytes),
        env.longValue("FUSION_MAX_ANALYSIS_BYTES", DEFAULT.maxAnalysisBytes),
        env.longValue("FUSION_MAX_FINAL_ANSWER_BYTES", DEFAULT.maxFinalAnswerBytes));
  }

  public static RecordBudget fromEnv(Map<String, String> vars) {
    return fromEnv(new Env(vars));
  }

  /**
   * One panel answer in a result: its text (or a failure's error), its model IDs, its web tool calls and
   * its other fields.
   */
  public long answerSlotBytes() {
    return maxAnswerBytes + 2L * MODEL_ID_BYTES + ANSWER_FRAME_BYTES + SOURCES_BYTES;
  }

  /** The largest job (as {@link #jobBytes} counts it) whose records are all writable. */
  public long maxJobBytes() {
    return maxRecordBytes - MAX_PANEL * answerSlotBytes() - maxAnalysisBytes - maxFinalAnswerBytes
        - RESULT_FRAME_BYTES - SOURCES_BYTES;
  }

  /** {@code max.message.bytes} of every Fusion topic but the rejections. */
  public int topicMaxMessageBytes() {
    return Math.toIntExact(maxRecordBytes + RECORD_FRAMING_BYTES);
  }

  /** {@code max.message.bytes} of the rejections topic: room for a dead letter of the largest record. */
  public int rejectionsMaxMessageBytes() {
    return topicMaxMessageBytes() + DEAD_LETTER_HEADROOM_BYTES;
  }

  /** The producer's {@code max.request.size}: one producer writes every topic, rejections included. */
  public int producerMaxRequestBytes() {
    return rejectionsMaxMessageBytes();
  }

  /**
   * The serialized size of a job, counted without serializing it: its messages, model IDs and
   * reasoning settings exactly, everything else (bounded at the door) by {@link #JOB_FRAME_BYTES}.
   */
  public static long jobBytes(FusionJob job) {
    long bytes = JOB_FRAME_BYTES + JsonSize.string(job.judgeModel()) + JsonSize.string(job.synthesizerModel());
    for (ChatMessage m : job.messages()) {
      bytes += MESSAGE_FRAME_BYTES + JsonSize.string(m.role()) + JsonSize.string(m.content());
    }
    for (String model : job.analysisModels()) {
      bytes += 1 + JsonSize.string(model);
    }
    if (job.reasoning() != null) {
      bytes += JsonSize.node(job.reasoning());
    }
    if (job.outer() != null && job.outer().tools() != null) {
      bytes += JsonSize.node(job.outer().tools());
    }
    return bytes;
  }

  // ---- truncation: a stage never writes more than its cap, and says so in the text. Each returns the very
  // same instance when it fits, so callers tell a cut by identity (bounded != original) without counting twice.

  /** A panel answer within its cap; over it, cut with a visible marker. */
  public String boundAnswer(String content) {
    return JsonSize.fit(content, maxAnswerBytes, marker("answer", maxAnswerBytes));
  }

  /** The final answer within its cap; over it, cut with a visible marker. */
  public String boundFinalAnswer(String content) {
    return JsonSize.fit(content, maxFinalAnswerBytes, marker("answer", maxFinalAnswerBytes));
  }

  /** The marker a cut answer ends with. */
  public static String marker(String what, long capBytes) {
    return "\n\n[truncated by Fusion: the " + what + " exceeded " + capBytes + " bytes]";
  }

  /**
   * A model's web tool calls as records carry them: each call's query, URL and error cut to their caps, and
   * the list cut to {@link #SOURCES_BYTES} (the last kept call's error then says how many were left out).
   */
  public static List<ToolStep> boundSources(List<ToolStep> steps) {
    if (steps.isEmpty()) {
      return steps;
    }
    List<ToolStep> kept = new ArrayList<>(steps.size());
    long used = 0;
    for (ToolStep s : steps) {
      ToolStep b = new ToolStep(s.step(), s.tool(), JsonSize.fit(s.callId(), MODEL_ID_BYTES, ""),
          JsonSize.fit(s.query(), SOURCE_QUERY_BYTES, "…"), s.resultCount(), JsonSize.fit(s.url(), SOURCE_URL_BYTES, "…"),
          s.status(), s.bytes(), s.durationMs(), JsonSize.fit(s.error(), SOURCE_ERROR_BYTES, "…"));
      long size = SOURCE_FRAME_BYTES + JsonSize.string(b.tool()) + JsonSize.string(b.callId())
          + JsonSize.string(b.query()) + JsonSize.string(b.url()) + JsonSize.string(b.error());
      if (used + size > SOURCES_BYTES - SOURCE_FRAME_BYTES - SOURCE_ERROR_BYTES) {
        int left = steps.size() - kept.size();
        kept.add(new ToolStep(s.step(), s.tool(), null, null, null, null, null, null, 0,
            left + " more tool calls were left out of this record"));
        return kept;
      }
      used += size;
      kept.add(b);
    }
    return kept;
  }

  /** An error message as records carry it: at most {@link #ERROR_BYTES}. */
  public static String boundError(String error) {
    return JsonSize.fit(error, ERROR_BYTES, "… [truncated]");
  }

  /** A model ID a provider reported (we do not control it) as records carry it. */
  public static String boundModelId(String model) {
    return JsonSize.fit(model, MODEL_ID_BYTES, "…");
  }

  /** Whether a model ID a client sent is within {@link #MODEL_ID_BYTES}. */
  public static boolean isModelIdWithinLimit(String model) {
    return JsonSize.string(model) <= MODEL_ID_BYTES;
  }
}
