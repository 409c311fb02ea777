package dev.fusion.panel;

import dev.fusion.common.StageContext;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.kafka.ConsumerStage;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.kafka.PendingSends;
import dev.fusion.common.kafka.Topics;
import dev.fusion.common.metrics.FusionMetrics;
import dev.fusion.gateway.ChatRequest;
import dev.fusion.gateway.ChatResult;
import dev.fusion.gateway.ModelCallException;
import dev.fusion.gateway.ModelGateway;
import dev.fusion.gateway.ToolExecutor;
import dev.fusion.gateway.ToolLoop;
import dev.fusion.web.WebTools;
import dev.fusion.common.Json;
import dev.fusion.common.contract.ToolStep;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes jobs and asks every panel model concurrently; emits one answer record per model, success or
 * typed failure. A job's offset is committed only after all its answers were acknowledged by Kafka.
 */
public final class PanelWorker extends ConsumerStage<FusionJob> {
  public static final String GROUP = "fusion-panel-worker";
  private static final Logger LOG = LoggerFactory.getLogger(PanelWorker.class);

  private final ToolLoop loop;
  private final ToolExecutor webTools;

  public PanelWorker(StageContext ctx) {
    super(ctx, "panel-worker", GROUP, FusionMetrics.STAGE_PANEL, ctx.topics().jobs(), ctx.config().panelMaxInFlight(),
        ModelGateway.ofModelStage(ctx)::saturated);
    this.loop = new ToolLoop(ModelGateway.ofModelStage(ctx).forStage(FusionMetrics.STAGE_PANEL));
    this.webTools = WebTools.of(ctx);
  }

  @Override
  protected CompletionStage<?> handle(String jobId, FusionJob job) {
    if (ctx.cancellations().isCancelled(jobId)) {
      // Cancelled before its panel started: no model calls. The aggregation times the panel out and the
      // judge caller skips it too, so the job's state is still cleaned up.
      return CompletableFuture.completedFuture(null);
    }
    Topics topics = ctx.topics();
    // This stage's span of the job's trace: every record it writes for the job carries it.
    Headers trace = JobTrace.currentOrNew(job.tenant()).headers();
    LOG.debug("panel: asking {} models", job.analysisModels().size());
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = 0; i < job.analysisModels().size(); i++) {
      int index = i;
      String model = job.analysisModels().get(i);
      acks.add(ctx.publisher().send(topics.events(), jobId, Events.of(jobId, EventTypes.PANEL_ADDED,
          d -> d.put("model", model).put("panel_index", index)), trace));
      long started = System.currentTimeMillis();
      // The fusion config's settings, as the reference sends them to each panel call: temperature, the
      // token limit and reasoning; the web tools per the job's or the provider's mode.
      ChatRequest request = new ChatRequest(model, job.messages(), job.temperature(), job.maxCompletionTokens(),
          null, ChatRequest.reasoningExtra(job.reasoning()));
      PendingSends stepEvents = new PendingSends();
      CompletableFuture<?> answered = loop.call(request, job.webTools(), webTools, job.toolStepLimit(),
              step -> stepEvents.add(ctx.publisher().send(topics.events(), jobId,
                  toolCallEvent(jobId, model, index, step), trace)))
          .map(o -> success(jobId, index, model, o, started))
          .otherwise(e -> failure(jobId, index, model, e, started))
          .toCompletionStage().toCompletableFuture()
          .thenCompose(answer -> stepEvents.all().thenCompose(x -> publish(jobId, answer, trace)));
      acks.add(answered);
    }
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
  }

  /** A web tool call of one panel model, streamed as it finishes. */
  static dev.fusion.common.contract.FusionEvent toolCallEvent(String jobId, String model, int index, ToolStep step) {
    return Events.of(jobId, EventTypes.PANEL_TOOL_CALL, d -> {
      d.put("model", model).put("panel_index", index);
      d.setAll((com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.valueToTree(step));
    });
  }

  private CompletableFuture<?> publish(String jobId, PanelAnswer answer, Headers trace) {
    Topics topics = ctx.topics();
    var event = answer.ok()
        ? Events.of(jobId, EventTypes.PANEL_COMPLETED, d -> {
          d.put("model", answer.model()).put("panel_index", answer.panelIndex()).put("content", answer.content())
              .put("latency_ms", answer.latencyMs());
          // The concrete model that answered: a fallback, or the provider's own name for the model.
          if (answer.respondingModel() != null) {
            d.put("responding_model", answer.respondingModel());
          }
          if (FailureReasons.ANSWER_TRUNCATED.equals(answer.failureReason())) {
            d.put("truncated", true);
          }
          if (!answer.sources().isEmpty()) {
            d.set("sources", Json.MAPPER.valueToTree(answer.sources()));
          }
        })
        : Events.of(jobId, EventTypes.PANEL_FAILED, d -> {
          d.put("model", answer.model()).put("panel_index", answer.panelIndex())
              .put("reason", answer.failureReason()).put("error", answer.error());
          if (answer.upstreamStatus() != null) {
            // status_code as the hosted event names it; status as Fusion always did.
            d.put("status_code", answer.upstreamStatus()).put("status", answer.upstreamStatus());
          }
          if (!answer.sources().isEmpty()) {
            d.set("sources", Json.MAPPER.valueToTree(answer.sources()));
          }
        });
    return ctx.publisher().sendAfterEvents(topics.events(), topics.panelAnswers(), jobId, answer, trace, event);
  }

  /**
   * The answer as its record carries it: text over the cap is cut with a marker and typed
   * {@code answer_truncated} (the answer stays ok), so no answer can make a record nobody can write.
   */
  private PanelAnswer success(String jobId, int index, String model, ToolLoop.Outcome o, long started) {
    ChatResult r = o.reply();
    String content = ctx.config().recordBudget().boundAnswer(r.content());
    boolean truncated = content != r.content();
    // Usage counts every call of the tool loop, not only the one that wrote the text.
    return new PanelAnswer(PanelAnswer.SCHEMA_VERSION, jobId, index, model,
        RecordBudget.boundModelId(r.respondingModel()), true, content,
        truncated ? FailureReasons.ANSWER_TRUNCATED : null, null, null, o.usage(), started, System.currentTimeMillis(),
        RecordBudget.boundSources(o.steps()));
  }

  private static PanelAnswer failure(String jobId, int index, String model, Throwable e, long started) {
    if (e instanceof ToolLoop.Failed f) {
      // The typed reason (rate_limited, timeout, auth_failed, ...) reaches failed_models verbatim; the
      // message names every model tried when fallbacks were configured, and never carries a key. What
      // the loop's earlier steps cost and did is kept.
      ModelCallException m = f.modelFailure();
      return PanelAnswer.failure(jobId, index, model, m.reason(), m.status(), RecordBudget.boundError(m.getMessage()),
          f.usage(), started, System.currentTimeMillis(), RecordBudget.boundSources(f.steps()));
    }
    return PanelAnswer.failure(jobId, index, model, "internal_error", null,
        RecordBudget.boundError(String.valueOf(e.getMessage())), started, System.currentTimeMillis());
  }
}
