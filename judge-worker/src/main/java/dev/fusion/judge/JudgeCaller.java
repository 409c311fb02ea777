package dev.fusion.judge;

import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.Analysis;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.contract.Usage;
import dev.fusion.gateway.ChatRequest;
import dev.fusion.gateway.ChatResult;
import dev.fusion.gateway.ModelCallException;
import dev.fusion.gateway.ModelGateway;
import dev.fusion.gateway.ToolExecutor;
import dev.fusion.gateway.ToolLoop;
import dev.fusion.common.kafka.PendingSends;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.web.WebTools;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.ToolStep;
import java.util.Map;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a complete panel to the judge model (outside the Streams thread), checks the reply against the
 * analysis schema and emits the analysis record, or the typed reason the judge failed. The judge runs
 * at temperature 0.
 */
final class JudgeCaller {
  private static final Logger LOG = LoggerFactory.getLogger(JudgeCaller.class);
  private final StageContext ctx;
  private final ModelGateway gateway;
  private final ToolLoop loop;
  private final ToolExecutor webTools;

  JudgeCaller(StageContext ctx) {
    this.ctx = ctx;
    this.gateway = ModelGateway.ofModelStage(ctx).forStage(dev.fusion.common.metrics.FusionMetrics.STAGE_JUDGE);
    this.loop = new ToolLoop(gateway);
    this.webTools = WebTools.of(ctx);
  }

  CompletionStage<?> handle(String jobId, PanelSet panel) {
    if (ctx.cancellations().isCancelled(jobId)) {
      return CompletableFuture.completedFuture(null); // Cancelled: no judge call, nothing downstream.
    }
    long started = System.currentTimeMillis();
    List<PanelAnswer> successful = panel.successful();
    FusionJob job = panel.job();
    String judgeModel = job.judgeModel();
    // This stage's span of the job's trace: every record it writes for the job carries it.
    Headers trace = JobTrace.currentOrNew(job.tenant()).headers();
    LOG.debug("judge: {} of {} panel answers to {}", successful.size(), panel.answers().size(), judgeModel);
    if (successful.isEmpty()) {
      // No judge runs: the reason says what the user must fix when every model failed the same way.
      String reason = FailureReasons.panelFailure(panel.answers().stream().map(PanelAnswer::failureReason).toList());
      return publish(record(panel, null, judgeModel, reason, "no panel model answered", Usage.ZERO, started, true,
          null, List.of()), trace);
    }
    CompletableFuture<?> inProgress = ctx.publisher().send(ctx.topics().events(), jobId,
        Events.of(jobId, EventTypes.ANALYSIS_IN_PROGRESS, d -> d.put("model", judgeModel)
            .put("judge_model", judgeModel).put("responses", successful.size())
            .put("asked", job.analysisModels().size())), trace);
    JudgePrompt prompt = JudgePrompt.build(job, panel.answers(), new Random(jobId.hashCode()));
    // The judge always runs at temperature 0; it gets the fusion config's token limit and reasoning, and
    // web tools like the panel.
    ChatRequest request = new ChatRequest(judgeModel, prompt.messages(), 0.0, job.maxCompletionTokens(),
        AnalysisSchema.responseFormat(), ChatRequest.reasoningExtra(job.reasoning()));
    PendingSends stepEvents = new PendingSends();
    JobTrace work = gateway.callParent(); // the repair call, if any, is made later on another thread
    Future<AnalysisRecord> judged = loop.call(request, job.webTools(), webTools, job.toolStepLimit(),
            step -> stepEvents.add(ctx.publisher().send(ctx.topics().events(), jobId, Events.of(jobId,
                EventTypes.ANALYSIS_TOOL_CALL, d -> d.put("model", judgeModel)
                    .setAll((ObjectNode) Json.MAPPER.valueToTree(step))), trace)))
        .compose(first -> judgeOrRepair(panel, prompt, request, first, started, work))
        .otherwise(e -> e instanceof ToolLoop.Failed f
            ? record(panel, null, judgeModel, callFailureReason(f.modelFailure()),
                String.valueOf(f.modelFailure().getMessage()), f.usage(), started, false, prompt.labelToModel(),
                f.steps())
            // Not a model call's failure (a bug while reading the reply): the judge's reason, as before.
            : record(panel, null, judgeModel, callFailureReason(e), String.valueOf(e.getMessage()), Usage.ZERO,
                started, false, prompt.labelToModel(), List.of()));
    return inProgress.thenCompose(x -> judged.toCompletionStage())
        .thenCompose(r -> stepEvents.all().thenCompose(x -> publish(r, trace)));
  }

  /**
   * Why the judge call itself failed: a judge that never answered in time is a {@code timeout} (the same
   * reason a panel model gets), so it is not mistaken for an upstream error; anything else is
   * {@code judge_upstream_error}.
   */
  static String callFailureReason(Throwable e) {
    return e instanceof ModelCallException m && FailureReasons.TIMEOUT.equals(m.reason())
        ? FailureReasons.TIMEOUT
        : FailureReasons.JUDGE_UPSTREAM_ERROR;
  }

  /**
   * A reply that is not valid JSON or off-schema gets exactly one repair attempt: the judge sees its
   * own reply and the precise complaint. If the repair fails too, the record carries the reason of the
   * last reply and the synthesizer answers from the raw panel answers.
   */
  private Future<AnalysisRecord> judgeOrRepair(PanelSet panel, JudgePrompt prompt, ChatRequest request,
      ToolLoop.Outcome judged, long started, JobTrace work) {
    ChatResult first = judged.reply();
    AnalysisRecord firstTry = fromReply(panel, prompt, first, judged.usage(), judged.steps(), started);
    if (firstTry.analysis() != null || !repairable(firstTry.judgeFailureReason())) {
      return Future.succeededFuture(firstTry);
    }
    // The repair needs no web tools: the judge only reformats its own analysis.
    ChatRequest repair = new ChatRequest(request.model(), repairMessages(prompt, first.content(),
        firstTry.judgeError()), 0.0, request.maxCompletionTokens(), request.responseFormat(), request.extra());
    return gateway.chat(repair, work)
        .map(second -> fromReply(panel, prompt, second, judged.usage().plus(second.usage()), judged.steps(), started))
        // The repair call itself failing leaves the first complaint as the honest reason.
        .otherwise(e -> firstTry);
  }

  static boolean repairable(String reason) {
    return FailureReasons.JUDGE_NOT_VALID_JSON.equals(reason) || FailureReasons.JUDGE_SCHEMA_MISMATCH.equals(reason);
  }

  static List<ChatMessage> repairMessages(JudgePrompt prompt, String badReply, String complaint) {
    List<ChatMessage> messages = new ArrayList<>(prompt.messages());
    // The bad reply is defused like panel text: it is shown back as data, not trusted as instructions.
    messages.add(ChatMessage.assistant(JudgePrompt.defuse(badReply)));
    messages.add(ChatMessage.user("Your previous reply was rejected: " + complaint + ". Reply again with only "
        + "the JSON object for the " + AnalysisSchema.NAME + " schema: exactly the keys consensus, contradictions, "
        + "partial_coverage, unique_insights and blind_spots, each an array; no prose and no code fence."));
    return messages;
  }

  /** The record of a judge reply; {@code usage} counts every judge call made for it. */
  private AnalysisRecord fromReply(PanelSet panel, JudgePrompt prompt, ChatResult reply, Usage usage,
      List<ToolStep> steps, long started) {
    try {
      Analysis analysis = AnalysisSchema.withModelNames(AnalysisSchema.parse(reply.content()), prompt.labelToModel())
          .withCoverage(panel.job().analysisModels().size(), panel.successful().size());
      // Over its cap the analysis is cut (a blind spot says so) and typed: the synthesizer still uses it.
      Analysis bounded = AnalysisTruncation.fit(analysis, ctx.config().recordBudget().maxAnalysisBytes());
      return record(panel, bounded, reply.respondingModel(),
          bounded != analysis ? FailureReasons.ANALYSIS_TRUNCATED : null, null, usage, started, false,
          prompt.labelToModel(), steps);
    } catch (AnalysisSchema.Invalid invalid) {
      return record(panel, null, reply.respondingModel(), invalid.reason, invalid.getMessage(), usage, started, false,
          prompt.labelToModel(), steps);
    }
  }

  /** The record, with what the judge's provider wrote (its model name, an error) bounded for the record. */
  private static AnalysisRecord record(PanelSet panel, Analysis analysis, String judgeModel, String reason,
      String error, Usage usage, long started, boolean skipped, Map<String, String> labels, List<ToolStep> steps) {
    return new AnalysisRecord(AnalysisRecord.SCHEMA_VERSION, panel.jobId(), panel.job(), panel.answers(),
        panel.completion(), panel.completedAtMs(), analysis, RecordBudget.boundModelId(judgeModel), reason,
        RecordBudget.boundError(error), usage, started, System.currentTimeMillis(), skipped, labels,
        RecordBudget.boundSources(steps));
  }

  private CompletableFuture<?> publish(AnalysisRecord record, Headers trace) {
    String jobId = record.jobId();
    if (record.panelFailed()) {
      // No judge ran, so there is no analysis event: the fusion call ends failed, with the panel's reason.
      return ctx.publisher().sendAfterEvents(ctx.topics().events(), ctx.topics().analyses(), jobId, record, trace,
          Events.of(jobId, EventTypes.FUSION_CALL_COMPLETED,
              d -> d.put("status", "failed").put("failure_reason", record.judgeFailureReason())));
    }
    var event = record.analysis() != null
        ? Events.of(jobId, EventTypes.ANALYSIS_COMPLETED, d -> d.put("model", record.judgeModel())
            // Written as JSON text once, not built as a tree and then written.
            .putRawValue("analysis", new com.fasterxml.jackson.databind.util.RawValue(Json.toString(record.analysis()))))
        : Events.of(jobId, EventTypes.ANALYSIS_FAILED, d -> d.put("model", record.judgeModel())
            .put("reason", record.judgeFailureReason()).put("error", record.judgeError()));
    var fusionCall = Events.of(jobId, EventTypes.FUSION_CALL_COMPLETED, d -> d.put("status",
        record.analysis() != null ? "completed" : "degraded"));
    return ctx.publisher().sendAfterEvents(ctx.topics().events(), ctx.topics().analyses(), jobId, record, trace,
        event, fusionCall);
  }
}
