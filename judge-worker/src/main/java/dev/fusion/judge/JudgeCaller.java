package dev.fusion.judge;

import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.contract.Analysis;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.contract.Usage;
import dev.fusion.common.gateway.ChatRequest;
import dev.fusion.common.gateway.ChatResult;
import dev.fusion.common.gateway.ModelCallException;
import io.vertx.core.Future;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sends a complete panel to the judge model (outside the Streams thread), checks the reply against the
 * analysis schema and emits the analysis record, or the typed reason the judge failed. The judge runs
 * at temperature 0.
 */
final class JudgeCaller {
  private final StageContext ctx;

  JudgeCaller(StageContext ctx) {
    this.ctx = ctx;
  }

  CompletionStage<?> handle(String jobId, PanelSet panel) {
    if (ctx.cancellations().isCancelled(jobId)) {
      return CompletableFuture.completedFuture(null); // Cancelled: no judge call, nothing downstream.
    }
    long started = System.currentTimeMillis();
    List<PanelAnswer> successful = panel.successful();
    String judgeModel = panel.job().judgeModel();
    if (successful.isEmpty()) {
      return publish(record(panel, null, judgeModel, FailureReasons.ALL_PANELS_FAILED,
          "no panel model answered", Usage.ZERO, started));
    }
    CompletableFuture<?> inProgress = ctx.publisher().send(ctx.topics().events(), jobId,
        Events.of(jobId, EventTypes.ANALYSIS_IN_PROGRESS, d -> d.put("model", judgeModel)
            .put("responses", successful.size())));
    JudgePrompt prompt = JudgePrompt.build(panel.job(), successful, new Random(jobId.hashCode()));
    ChatRequest request = new ChatRequest(judgeModel, prompt.messages(), 0.0, panel.job().maxCompletionTokens(),
        AnalysisSchema.responseFormat(), null);
    Future<AnalysisRecord> judged = ctx.gateway().chat(request)
        .map(r -> fromReply(panel, prompt, r, started))
        .otherwise(e -> {
          String error = e instanceof ModelCallException m ? m.getMessage() : String.valueOf(e.getMessage());
          return record(panel, null, judgeModel, FailureReasons.JUDGE_UPSTREAM_ERROR, error, Usage.ZERO, started);
        });
    return inProgress.thenCompose(x -> judged.toCompletionStage()).thenCompose(this::publish);
  }

  private AnalysisRecord fromReply(PanelSet panel, JudgePrompt prompt, ChatResult reply, long started) {
    try {
      Analysis analysis = AnalysisSchema.withModelNames(AnalysisSchema.parse(reply.content()), prompt.labelToModel());
      return record(panel, analysis, reply.respondingModel(), null, null, reply.usage(), started);
    } catch (AnalysisSchema.Invalid invalid) {
      return record(panel, null, reply.respondingModel(), invalid.reason, invalid.getMessage(), reply.usage(), started);
    }
  }

  private static AnalysisRecord record(PanelSet panel, Analysis analysis, String judgeModel, String reason,
      String error, Usage usage, long started) {
    return new AnalysisRecord(AnalysisRecord.SCHEMA_VERSION, panel.jobId(), panel.job(), panel.answers(),
        panel.completion(), panel.completedAtMs(), analysis, judgeModel, reason, error, usage, started,
        System.currentTimeMillis());
  }

  private CompletableFuture<?> publish(AnalysisRecord record) {
    String jobId = record.jobId();
    var event = record.analysis() != null
        ? Events.of(jobId, EventTypes.ANALYSIS_COMPLETED, d -> d.put("model", record.judgeModel())
            .set("analysis", Json.MAPPER.valueToTree(record.analysis())))
        : Events.of(jobId, EventTypes.ANALYSIS_FAILED, d -> d.put("model", record.judgeModel())
            .put("reason", record.judgeFailureReason()).put("error", record.judgeError()));
    var fusionCall = Events.of(jobId, EventTypes.FUSION_CALL_COMPLETED, d -> d.put("status",
        record.analysis() != null ? "completed" : "degraded"));
    return CompletableFuture.allOf(
        ctx.publisher().send(ctx.topics().analyses(), jobId, record),
        ctx.publisher().send(ctx.topics().events(), jobId, event),
        ctx.publisher().send(ctx.topics().events(), jobId, fusionCall));
  }
}
