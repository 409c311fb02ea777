package dev.fusion.panel;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.kafka.AsyncConsumerWorker;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.common.kafka.Topics;
import dev.fusion.gateway.ChatRequest;
import dev.fusion.gateway.ChatResult;
import dev.fusion.gateway.ModelCallException;
import dev.fusion.gateway.ModelGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Consumes jobs and asks every panel model concurrently; emits one answer record per model, success or
 * typed failure. A job's offset is committed only after all its answers were acknowledged by Kafka.
 */
public final class PanelWorker implements Service {
  public static final String GROUP = "fusion-panel-worker";

  private final StageContext ctx;
  private final ModelGateway gateway;
  private final AsyncConsumerWorker<FusionJob> worker;

  public PanelWorker(StageContext ctx) {
    this.ctx = ctx;
    this.gateway = ModelGateway.of(ctx);
    Topics topics = ctx.topics();
    var props = KafkaConfigs.consumer(ctx.config().bootstrapServers(), ctx.config().topicPrefix() + GROUP,
        "panel-worker");
    this.worker = new AsyncConsumerWorker<>("panel-worker", topics.jobs(), props, this::handle, ctx.deadLetters(),
        ctx.config().panelMaxInFlight(), gateway::saturated)
        .attemptsPausedWhile(ctx::kafkaKnownUnreachable);
  }

  CompletionStage<?> handle(String jobId, FusionJob job) {
    if (ctx.cancellations().isCancelled(jobId)) {
      // Cancelled before its panel started: no model calls. The aggregation times the panel out and the
      // judge caller skips it too, so the job's state is still cleaned up.
      return CompletableFuture.completedFuture(null);
    }
    Topics topics = ctx.topics();
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = 0; i < job.analysisModels().size(); i++) {
      int index = i;
      String model = job.analysisModels().get(i);
      acks.add(ctx.publisher().send(topics.events(), jobId, Events.of(jobId, EventTypes.PANEL_ADDED,
          d -> d.put("model", model).put("panel_index", index))));
      long started = System.currentTimeMillis();
      ChatRequest request = new ChatRequest(model, job.messages(), job.temperature(), job.maxCompletionTokens(),
          null, null);
      CompletableFuture<?> answered = gateway.chat(request)
          .map(r -> success(jobId, index, model, r, started))
          .otherwise(e -> failure(jobId, index, model, e, started))
          .toCompletionStage().toCompletableFuture()
          .thenCompose(answer -> publish(jobId, answer));
      acks.add(answered);
    }
    return CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new));
  }

  private CompletableFuture<?> publish(String jobId, PanelAnswer answer) {
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
        })
        : Events.of(jobId, EventTypes.PANEL_FAILED, d -> {
          d.put("model", answer.model()).put("panel_index", answer.panelIndex())
              .put("reason", answer.failureReason()).put("error", answer.error());
          if (answer.upstreamStatus() != null) {
            d.put("status", answer.upstreamStatus());
          }
        });
    return CompletableFuture.allOf(ctx.publisher().send(topics.panelAnswers(), jobId, answer),
        ctx.publisher().send(topics.events(), jobId, event));
  }

  /**
   * The answer as its record carries it: text over the cap is cut with a marker and typed
   * {@code answer_truncated} (the answer stays ok), so no answer can make a record nobody can write.
   */
  private PanelAnswer success(String jobId, int index, String model, ChatResult r, long started) {
    String content = ctx.config().recordBudget().boundAnswer(r.content());
    boolean truncated = content != r.content();
    return new PanelAnswer(PanelAnswer.SCHEMA_VERSION, jobId, index, model,
        RecordBudget.boundModelId(r.respondingModel()), true, content,
        truncated ? FailureReasons.ANSWER_TRUNCATED : null, null, null, r.usage(), started, System.currentTimeMillis());
  }

  private static PanelAnswer failure(String jobId, int index, String model, Throwable e, long started) {
    if (e instanceof ModelCallException m) {
      // The typed reason (rate_limited, timeout, auth_failed, ...) reaches failed_models verbatim; the
      // message names every model tried when fallbacks were configured, and never carries a key.
      return PanelAnswer.failure(jobId, index, model, m.reason(), m.status(), RecordBudget.boundError(m.getMessage()),
          started, System.currentTimeMillis());
    }
    return PanelAnswer.failure(jobId, index, model, "internal_error", null,
        RecordBudget.boundError(String.valueOf(e.getMessage())), started, System.currentTimeMillis());
  }

  @Override
  public void start() {
    ctx.cancellations(); // Know every earlier cancellation before the first job is handled.
    worker.start();
  }

  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return worker.awaitAssignment(timeout);
  }

  @Override
  public void stop() {
    worker.stop();
  }

  /**
   * Stops at once, abandoning in-flight jobs uncommitted, as a crash would: their records are replayed
   * by the next owner. Used by tests and by an operator who cannot wait.
   */
  public void stopNow() {
    worker.drainTimeout(java.time.Duration.ZERO);
    worker.stop();
  }

  @Override
  public boolean isReady() {
    return worker.isReady() && ctx.cancellationsReady();
  }

  @Override
  public String name() {
    return "panel-worker";
  }

  public int inFlight() {
    return worker.inFlight();
  }
}
