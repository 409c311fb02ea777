package dev.fusion.synthesizer;

import dev.fusion.common.JsonSize;
import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.kafka.AsyncConsumerWorker;
import dev.fusion.common.kafka.KafkaConfigs;
import dev.fusion.gateway.ChatRequest;
import dev.fusion.gateway.ModelCallException;
import dev.fusion.gateway.ModelGateway;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Consumes analyses, streams the final answer from the synthesizer model (forwarding text deltas as
 * events) and publishes the final result to the compacted results topic, keyed by job ID, so a replay
 * overwrites rather than adds.
 */
public final class Synthesizer implements Service {
  public static final String GROUP = "fusion-synthesizer";
  /** Streamed text is coalesced into at most one delta event per this many milliseconds. */
  static final long DELTA_WINDOW_MS = 50;

  private final StageContext ctx;
  private final ModelGateway gateway;
  private final AsyncConsumerWorker<AnalysisRecord> worker;

  public Synthesizer(StageContext ctx) {
    this.ctx = ctx;
    this.gateway = ModelGateway.of(ctx);
    var config = ctx.config();
    this.worker = new AsyncConsumerWorker<>("synthesizer", ctx.topics().analyses(),
        KafkaConfigs.consumer(config.bootstrapServers(), config.topicPrefix() + GROUP, "synthesizer"),
        this::handle, ctx.deadLetters(), config.synthMaxInFlight(), gateway::saturated)
        .attemptsPausedWhile(ctx::kafkaKnownUnreachable);
  }

  CompletionStage<?> handle(String jobId, AnalysisRecord record) {
    if (ctx.cancellations().isCancelled(jobId)) {
      return CompletableFuture.completedFuture(null); // Cancelled: its cancelled result is already published.
    }
    if (FailureReasons.ALL_PANELS_FAILED.equals(record.judgeFailureReason())) {
      return publish(ResultAssembler.assemble(record, null));
    }
    long started = System.currentTimeMillis();
    String model = record.job().synthesizerModel();
    RecordBudget budget = ctx.config().recordBudget();
    DeltaBatcher deltas = new DeltaBatcher(jobId, budget);
    ChatRequest request = new ChatRequest(model, SynthesisPrompt.build(record), record.job().temperature(),
        record.job().maxCompletionTokens(), null, null);
    return gateway.chatStream(request, deltas::add)
        .map(r -> {
          // Over its cap the answer is cut with a marker, and the result says so (answer_truncated).
          String answer = budget.boundFinalAnswer(r.content());
          return new ResultAssembler.Synthesis(answer, RecordBudget.boundModelId(r.respondingModel()), r.usage(),
              null, null, started, System.currentTimeMillis(), answer != r.content());
        })
        .otherwise(e -> new ResultAssembler.Synthesis(null, model, null, FailureReasons.SYNTHESIZER_FAILED,
            RecordBudget.boundError(e instanceof ModelCallException m ? m.reason() + ": " + m.getMessage()
                : String.valueOf(e.getMessage())),
            started, System.currentTimeMillis(), false))
        .toCompletionStage()
        .thenCompose(s -> ctx.cancellations().isCancelled(jobId)
            ? CompletableFuture.completedFuture(null) // Cancelled while it was written: keep the cancelled result.
            : deltas.flush(s.answer()).thenCompose(x -> publish(ResultAssembler.assemble(record, s))));
  }

  private CompletableFuture<?> publish(FusionResult result) {
    String jobId = result.jobId();
    var terminal = Events.of(jobId, FusionResult.COMPLETED.equals(result.status()) ? EventTypes.COMPLETED
        : EventTypes.FAILED, d -> {
          d.put("status", result.status()).put("model", result.model());
          if (result.failureReason() != null) {
            d.put("failure_reason", result.failureReason());
          }
        });
    // The result first: a client that sees the terminal event can always fetch the result.
    return ctx.publisher().send(ctx.topics().results(), jobId, result)
        .thenCompose(x -> ctx.publisher().send(ctx.topics().events(), jobId, terminal));
  }

  /**
   * Turns streamed text into answer-delta events: the first piece goes out as soon as the read that
   * brought it is handled (time to first token is what a reader notices; pieces that arrived in the
   * same read, or a whole answer that arrived at once, go with it), later pieces are coalesced into at
   * most one event per {@link #DELTA_WINDOW_MS}, so a streamed answer costs a handful of records instead
   * of one per token. Every send is awaited before the result is published.
   *
   * <p>Deltas stop where a cut final answer would put its marker, so together they are always a prefix
   * of the published answer, however much the model writes; {@link #flush} sends the rest of it.
   */
  private final class DeltaBatcher {
    private final String jobId;
    /** Text bytes (as JSON) the deltas may carry before the cap's marker would start. */
    private final long sendableBytes;
    private final StringBuilder pending = new StringBuilder();
    private CompletableFuture<?> sent = CompletableFuture.completedFuture(null);
    private int index;
    private long timer = -1;
    private long acceptedBytes;
    private int acceptedChars;

    DeltaBatcher(String jobId, RecordBudget budget) {
      this.jobId = jobId;
      this.sendableBytes = budget.maxFinalAnswerBytes() - 2
          - JsonSize.content(RecordBudget.marker("answer", budget.maxFinalAnswerBytes()));
    }

    synchronized void add(String delta) {
      if (acceptedBytes >= sendableBytes) {
        return;
      }
      long bytes = JsonSize.content(delta);
      if (acceptedBytes + bytes > sendableBytes) {
        delta = delta.substring(0, JsonSize.prefixWithin(delta, sendableBytes - acceptedBytes));
        bytes = sendableBytes - acceptedBytes; // Full: nothing more is taken.
        if (delta.isEmpty()) {
          acceptedBytes = sendableBytes;
          return;
        }
      }
      // Deltas are never empty, so nothing sent and nothing pending means this is the first piece.
      boolean first = index == 0 && pending.length() == 0;
      pending.append(delta);
      acceptedBytes += bytes;
      acceptedChars += delta.length();
      if (first) {
        ctx.vertx().runOnContext(v -> onWindow()); // After the pieces of the same read are added.
      } else if (index > 0 && timer < 0) {
        timer = ctx.vertx().setTimer(DELTA_WINDOW_MS, t -> onWindow());
      }
    }

    private synchronized void onWindow() {
      timer = -1;
      if (pending.length() > 0) {
        send();
      }
    }

    /** Sends what is pending and whatever of {@code answer} (the published answer, if any) no delta carried. */
    synchronized CompletableFuture<?> flush(String answer) {
      if (timer >= 0) {
        ctx.vertx().cancelTimer(timer);
        timer = -1;
      }
      if (answer != null && answer.length() > acceptedChars) {
        pending.append(answer, acceptedChars, answer.length());
        acceptedChars = answer.length();
      }
      if (pending.length() > 0) {
        send();
      }
      return sent;
    }

    private void send() {
      String text = pending.toString();
      int i = index++;
      pending.setLength(0);
      var ack = ctx.publisher().send(ctx.topics().events(), jobId,
          Events.of(jobId, EventTypes.OUTPUT_TEXT_DELTA, d -> d.put("delta", text).put("index", i)));
      sent = CompletableFuture.allOf(sent, ack);
    }
  }

  @Override
  public void start() {
    ctx.cancellations(); // Know every earlier cancellation before the first analysis is handled.
    worker.start();
  }

  @Override
  public void stop() {
    worker.stop();
  }

  @Override
  public boolean isReady() {
    return worker.isReady() && ctx.cancellationsReady();
  }

  @Override
  public String name() {
    return "synthesizer";
  }
}
