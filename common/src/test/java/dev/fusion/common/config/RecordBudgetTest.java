package dev.fusion.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.JsonSize;
import dev.fusion.common.contract.Analysis;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.FusionResult.FailedModel;
import dev.fusion.common.contract.FusionResult.PanelResponse;
import dev.fusion.common.contract.FusionResult.UsageReport;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.contract.Submission;
import dev.fusion.common.contract.ToolStep;
import dev.fusion.common.contract.FusionResult.JudgeReport;
import dev.fusion.common.contract.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordBudgetTest {
  private static final RecordBudget BUDGET = RecordBudget.DEFAULT;

  @Test
  void theDefaultsDeriveTheJobLimitAndKafkaLimits() {
    // 1,000,000 - 8 x (65,536 + 2 x 256 + 512 + 8,192) - 65,536 - 65,536 - 16,384 - 8,192
    assertThat(BUDGET.maxJobBytes()).isEqualTo(246_336);
    assertThat(BUDGET.topicMaxMessageBytes()).isEqualTo(1_008_192);
    assertThat(BUDGET.rejectionsMaxMessageBytes()).isEqualTo(1_040_960);
    assertThat(BUDGET.producerMaxRequestBytes()).isEqualTo(BUDGET.rejectionsMaxMessageBytes());
    // Under a default broker's message.max.bytes, so default-configured topics take every record.
    assertThat(BUDGET.rejectionsMaxMessageBytes()).isLessThanOrEqualTo(1_048_588);
  }

  @Test
  void settingsComeFromTheEnvironmentAndContradictionsFailAtStart() {
    RecordBudget b = RecordBudget.fromEnv(Map.of("FUSION_MAX_RECORD_BYTES", "4000000", "FUSION_MAX_ANSWER_BYTES",
        "131072"));
    assertThat(b.maxJobBytes()).isEqualTo(4_000_000 - 8 * (131_072 + 1_024 + 8_192) - 65_536 - 65_536 - 16_384
        - 8_192);
    assertThatThrownBy(() -> RecordBudget.fromEnv(Map.of("FUSION_MAX_ANSWER_BYTES", "200000")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FUSION_MAX_RECORD_BYTES");
    assertThatThrownBy(() -> RecordBudget.fromEnv(Map.of("FUSION_MAX_ANSWER_BYTES", "10")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least");
  }

  /** The derivation's promise: a job at the limit, with every cap at its worst, yields writable records. */
  @Test
  void theLargestJobWithWorstCaseAnswersYieldsRecordsWithinTheRecordLimit() {
    FusionJob job = largestJob();
    long counted = RecordBudget.jobBytes(job);
    assertThat(counted).isLessThanOrEqualTo(BUDGET.maxJobBytes()).isGreaterThan(BUDGET.maxJobBytes() - 8);
    assertThat((long) Json.toBytes(job).length).as("the count bounds the serialized job").isLessThanOrEqualTo(counted);

    String model = "m".repeat(RecordBudget.MODEL_ID_BYTES - 2);
    List<PanelAnswer> answers = new ArrayList<>();
    for (int i = 0; i < RecordBudget.MAX_PANEL - 1; i++) {
      String content = BUDGET.boundAnswer("\u0001".repeat(100_000)); // escapes to 6 bytes each, then cut
      assertThat(JsonSize.string(content)).isLessThanOrEqualTo(BUDGET.maxAnswerBytes());
      answers.add(new PanelAnswer(1, job.jobId(), i, model, model, true, content, "answer_truncated", 200, null,
          new Usage(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Double.MAX_VALUE), Long.MAX_VALUE, Long.MAX_VALUE,
          worstSources()));
    }
    answers.add(PanelAnswer.failure(job.jobId(), 7, model, "upstream_error", 503,
        RecordBudget.boundError("\"".repeat(10_000)), Usage.ZERO, Long.MAX_VALUE, Long.MAX_VALUE, worstSources()));
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < RecordBudget.MAX_PANEL; i++) {
      labels.put("Response " + (char) ('A' + i), model);
    }
    Analysis analysis = new Analysis(List.of(JsonSize.fit("x".repeat(200_000), BUDGET.maxAnalysisBytes() - 100, "")),
        List.of(), List.of(), List.of(), List.of());
    assertThat((long) Json.toBytes(analysis).length).isLessThanOrEqualTo(BUDGET.maxAnalysisBytes());

    PanelSet panel = new PanelSet(1, job.jobId(), job, answers, PanelSet.ALL_ANSWERED, Long.MAX_VALUE);
    AnalysisRecord record = new AnalysisRecord(1, job.jobId(), job, answers, PanelSet.ALL_ANSWERED, Long.MAX_VALUE,
        analysis, model, "analysis_truncated", RecordBudget.boundError("\n".repeat(5000)), Usage.ZERO,
        Long.MAX_VALUE, Long.MAX_VALUE, false, labels, worstSources());
    Map<String, Usage> byModel = new LinkedHashMap<>();
    for (int i = 0; i < RecordBudget.MAX_PANEL + 2; i++) {
      byModel.put(model.substring(1) + i, new Usage(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, -Double.MAX_VALUE));
    }
    Map<String, Long> timings = new LinkedHashMap<>();
    for (String t : List.of("queue", "panel", "panel_collect", "to_judge", "judge", "to_synthesizer", "synthesizer",
        "total")) {
      timings.put(t, Long.MIN_VALUE);
    }
    FusionResult result = new FusionResult(1, job.jobId(), job.tenant(), "completed",
        BUDGET.boundFinalAnswer("界".repeat(100_000)), model, "fusion", analysis,
        answers.stream().filter(PanelAnswer::ok)
            .map(a -> new PanelResponse(a.model(), a.respondingModel(), a.content(), a.usage(), Long.MIN_VALUE, true,
                a.sources()))
            .toList(),
        answers.stream().filter(a -> !a.ok())
            .map(a -> new FailedModel(a.model(), a.failureReason(), a.upstreamStatus(), a.error())).toList(),
        "analysis_truncated", RecordBudget.boundError("\u0002".repeat(5000)),
        new UsageReport(byModel, Map.of("panel", Usage.ZERO, "judge", Usage.ZERO, "synthesizer", Usage.ZERO),
            Usage.ZERO), timings, Long.MIN_VALUE, Long.MIN_VALUE, job.jobId(), job,
        job.submission().correlationId(), job.submission().replyTopic(),
        new JudgeReport(model, labels, record.judgeSources(), true), List.of());

    assertThat((long) Json.toBytes(panel).length).isLessThanOrEqualTo(BUDGET.maxRecordBytes());
    assertThat((long) Json.toBytes(record).length).isLessThanOrEqualTo(BUDGET.maxRecordBytes());
    assertThat((long) Json.toBytes(result).length).isLessThanOrEqualTo(BUDGET.maxRecordBytes())
        // The frame allowances are not wildly generous either: the result uses most of the record.
        .isGreaterThan((long) (BUDGET.maxRecordBytes() * 0.9));
  }

  /** A model's web tool calls at their worst: many, every string over its cap and escaping to 6 bytes a char. */
  private static List<ToolStep> worstSources() {
    List<ToolStep> steps = new ArrayList<>();
    String nasty = "\u0004".repeat(5000);
    for (int i = 0; i < 64; i++) {
      steps.add(new ToolStep(Integer.MAX_VALUE, i % 2 == 0 ? ToolStep.WEB_SEARCH : ToolStep.WEB_FETCH, nasty, nasty,
          Integer.MAX_VALUE, nasty, Integer.MAX_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, nasty));
    }
    List<ToolStep> bounded = RecordBudget.boundSources(steps);
    assertThat((long) Json.toBytes(bounded).length).isLessThanOrEqualTo(RecordBudget.SOURCES_BYTES);
    return bounded;
  }

  /** A job whose count is just at the limit, with every bounded field at its worst. */
  private static FusionJob largestJob() {
    String model = "m".repeat(RecordBudget.MODEL_ID_BYTES - 2);
    List<String> panel = new ArrayList<>();
    for (int i = 0; i < RecordBudget.MAX_PANEL; i++) {
      panel.add(model);
    }
    ObjectNode reasoning = Json.object().put("effort", "high").put("max_tokens", Integer.MAX_VALUE);
    FusionJob empty = new FusionJob(1, "job_" + "0".repeat(32), "t".repeat(64), List.of(ChatMessage.user("")), panel,
        model, model, 2.0, Integer.MAX_VALUE, Long.MAX_VALUE, 16, reasoning, "job_" + "1".repeat(32),
        new Submission("kafka", "\"".repeat(255), "f".repeat(64), "\u0003".repeat(255), "r".repeat(249)));
    long room = RecordBudget.DEFAULT.maxJobBytes() - RecordBudget.jobBytes(empty);
    String prompt = "界".repeat((int) (room / 3));
    return new FusionJob(1, empty.jobId(), empty.tenant(), List.of(ChatMessage.user(prompt)), panel, model, model,
        2.0, Integer.MAX_VALUE, Long.MAX_VALUE, 16, reasoning, empty.rejudgeOf(), empty.submission());
  }
}
