package dev.fusion.synthesizer;

import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.OuterCall;
import dev.fusion.common.contract.FusionResult.FailedModel;
import dev.fusion.common.contract.FusionResult.PanelResponse;
import dev.fusion.common.contract.FusionResult.UsageReport;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.Usage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the final result from the analysis record and the synthesizer's outcome: pure, no I/O. */
final class ResultAssembler {
  private ResultAssembler() {}

  /**
   * The synthesizer's outcome: an answer (cut to its cap when {@code truncated}) and the client tools the
   * outer model called, or a typed failure.
   */
  record Synthesis(String answer, String model, Usage usage, String failureReason, String error,
      long startedAtMs, long completedAtMs, boolean truncated, List<FusionResult.AnswerToolCall> toolCalls) {}

  /** Who judged, with the labels it saw and its tool calls; null when no judge ran. */
  static FusionResult.JudgeReport judgeReport(AnalysisRecord record) {
    if (record.panelFailed() || record.judgeModel() == null) {
      return null;
    }
    return new FusionResult.JudgeReport(record.judgeModel(), record.judgeLabels(),
        record.judgeSources().isEmpty() ? null : record.judgeSources(),
        record.job().analysisModels().contains(record.job().judgeModel()));
  }

  private static boolean isEmpty(Usage u) {
    return u.promptTokens() == 0 && u.completionTokens() == 0 && (u.costUsd() == null || u.costUsd() == 0);
  }

  static FusionResult assemble(AnalysisRecord record, Synthesis synthesis) {
    List<PanelResponse> responses = record.answers().stream().filter(PanelAnswer::ok)
        .map(a -> new PanelResponse(a.model(), a.respondingModel(), a.content(), a.usage(), a.latencyMs(),
            FailureReasons.ANSWER_TRUNCATED.equals(a.failureReason()) ? Boolean.TRUE : null,
            a.sources().isEmpty() ? null : a.sources()))
        .toList();
    List<FailedModel> failed = record.answers().stream().filter(a -> !a.ok())
        .map(a -> new FailedModel(a.model(), a.failureReason(), a.upstreamStatus(), a.error())).toList();

    boolean allPanelsFailed = record.panelFailed();
    boolean answered = synthesis != null && synthesis.failureReason() == null;
    String status = answered ? FusionResult.COMPLETED : FusionResult.FAILED;
    // A degraded-but-answered job keeps the judge's reason, so it never pretends the analysis happened; a
    // job whose panel failed keeps the panel's reason even when the outer model answered on its own.
    // A cut final answer says so unless a judge reason already marks the job as degraded (the marker at
    // the end of the text shows the cut either way).
    String reason = allPanelsFailed ? record.judgeFailureReason()
        : !answered ? synthesis.failureReason()
        : record.judgeFailureReason() != null ? record.judgeFailureReason()
        : synthesis.truncated() ? FailureReasons.ANSWER_TRUNCATED
        : null;
    String error = !allPanelsFailed && !answered ? synthesis.error()
        : allPanelsFailed && synthesis != null && !answered
            ? RecordBudget.boundError(record.judgeError() + "; the outer model then failed too: " + synthesis.error())
        : record.judgeError();

    Map<String, Usage> byModel = new LinkedHashMap<>();
    // The routing call of tool_choice "auto", which decided to deliberate, is part of the job's cost.
    OuterCall outer = record.job().outer();
    Usage router = outer == null || outer.routerUsage() == null ? null : outer.routerUsage();
    if (router != null && outer.routerModel() != null) {
      byModel.merge(outer.routerModel(), router, Usage::plus);
    }
    Usage panel = Usage.ZERO;
    // Keyed by the concrete model that answered (a fallback, or the provider's name for it); a call
    // that failed without using tokens cost nothing and is listed under failed_models instead.
    for (PanelAnswer a : record.answers()) {
      if (a.usage() != null && (a.ok() || !isEmpty(a.usage()))) {
        byModel.merge(a.respondingModel() != null ? a.respondingModel() : a.model(), a.usage(), Usage::plus);
        panel = panel.plus(a.usage());
      }
    }
    Usage judge = record.judgeUsage() == null ? Usage.ZERO : record.judgeUsage();
    if (record.judgeModel() != null && !allPanelsFailed && (record.analysis() != null || !isEmpty(judge))) {
      byModel.merge(record.judgeModel(), judge, Usage::plus);
    }
    Usage synth = synthesis == null || synthesis.usage() == null ? Usage.ZERO : synthesis.usage();
    if (synthesis != null && synthesis.model() != null && (answered || !isEmpty(synth))) {
      byModel.merge(synthesis.model(), synth, Usage::plus);
    }
    Map<String, Usage> byStage = new LinkedHashMap<>();
    if (router != null) {
      byStage.put("router", router);
    }
    byStage.put("panel", panel);
    byStage.put("judge", judge);
    byStage.put("synthesizer", synth);
    Usage total = panel.plus(judge).plus(synth).plus(router);

    long accepted = record.job().acceptedAtMs();
    long panelStart = record.answers().stream().mapToLong(PanelAnswer::startedAtMs).min().orElse(accepted);
    long completed = synthesis != null ? synthesis.completedAtMs() : System.currentTimeMillis();
    Map<String, Long> timings = new LinkedHashMap<>();
    timings.put("queue", Math.max(0, panelStart - accepted));
    timings.put("panel", Math.max(0, record.panelCompletedAtMs() - panelStart));
    long lastAnswer = record.answers().stream().mapToLong(PanelAnswer::completedAtMs).max().orElse(panelStart);
    // Hand-offs between stages: the pipeline's own overhead, as opposed to model time.
    timings.put("panel_collect", Math.max(0, record.panelCompletedAtMs() - lastAnswer));
    timings.put("to_judge", Math.max(0, record.judgeStartedAtMs() - record.panelCompletedAtMs()));
    timings.put("judge", Math.max(0, record.judgeCompletedAtMs() - record.judgeStartedAtMs()));
    if (synthesis != null) {
      timings.put("to_synthesizer", Math.max(0, synthesis.startedAtMs() - record.judgeCompletedAtMs()));
      timings.put("synthesizer", Math.max(0, synthesis.completedAtMs() - synthesis.startedAtMs()));
    }
    timings.put("total", Math.max(0, completed - accepted));

    return new FusionResult(FusionResult.SCHEMA_VERSION, record.jobId(), record.job().tenant(), status,
        answered ? synthesis.answer() : null,
        synthesis != null && synthesis.model() != null ? synthesis.model() : record.job().synthesizerModel(),
        FusionResult.ROUTER, record.analysis(), responses, failed, reason, error,
        new UsageReport(byModel, byStage, total), timings, accepted, completed,
        record.job().rejudgeOf(), record.job(), null, null, judgeReport(record),
        answered && !synthesis.toolCalls().isEmpty() ? synthesis.toolCalls() : null)
        .withReply(record.job().submission());
  }
}
