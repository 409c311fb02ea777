package dev.fusion.synthesizer;

import dev.fusion.common.JsonSize;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.AnalysisRecord;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import dev.fusion.common.contract.FailureReasons;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionTool;
import dev.fusion.common.contract.OuterCall;
import dev.fusion.common.kafka.ConsumerStage;
import dev.fusion.common.metrics.FusionMetrics;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.gateway.ChatRequest;
import dev.fusion.gateway.ChatResult;
import dev.fusion.gateway.ToolCall;
import java.util.ArrayList;
import java.util.List;
import dev.fusion.gateway.ModelCallException;
import dev.fusion.gateway.ModelGateway;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes analyses, streams the final answer from the synthesizer model (forwarding text deltas as
 * events) and publishes the final result to the compacted results topic, keyed by job ID, so a replay
 * overwrites rather than adds.
 */
public final class Synthesizer extends ConsumerStage<AnalysisRecord> {
  public static final String GROUP = "fusion-synthesizer";
  private static final Logger LOG = LoggerFactory.getLogger(Synthesizer.class);
  /** Streamed text is coalesced into at most one delta event per this many milliseconds. */
  static final long DELTA_WINDOW_MS = 50;

  private final ModelGateway gateway;

  public Synthesizer(StageContext ctx) {
    super(ctx, "synthesizer", GROUP, FusionMetrics.STAGE_SYNTHESIZER, ctx.topics().analyses(),
        ctx.config().synthMaxInFlight(), ModelGateway.ofModelStage(ctx)::saturated);
    this.gateway = ModelGateway.ofModelStage(ctx).forStage(FusionMetrics.STAGE_SYNTHESIZER);
  }

  @Override
  protected CompletionStage<?> handle(String jobId, AnalysisRecord record) {
    if (ctx.cancellations().isCancelled(jobId)) {
      return CompletableFuture.completedFuture(null); // Cancelled: its cancelled result is already published.
    }
    FusionJob job = record.job();
    // This stage's span of the job's trace: every record it writes for the job carries it.
    Headers trace = JobTrace.currentOrNew(job.tenant()).headers();
    LOG.debug("synthesis: {} with {}", record.analysis() != null ? "analysis" : "no analysis", job.synthesizerModel());
    if (record.panelFailed() && !job.answersOnFailure()) {
      return publish(ResultAssembler.assemble(record, null), trace); // The client asked for a hard failure.
    }
    long started = System.currentTimeMillis();
    String model = job.synthesizerModel();
    RecordBudget budget = ctx.config().recordBudget();
    DeltaBatcher deltas = new DeltaBatcher(jobId, budget, trace);
    // The outer model's own settings (the client's top-level ones), not the fusion config's.
    OuterCall outer = job.outer();
    ChatRequest request = new ChatRequest(model, List.of(), outer == null ? null : outer.temperature(),
        outer == null ? null : outer.maxCompletionTokens(), null, SynthesisPrompt.extra(job),
        SynthesisPrompt.messages(record));
    return gateway.chatStream(request, deltas::add)
        .map(r -> synthesis(r, budget, started))
        .otherwise(e -> failed(model, e instanceof ModelCallException m ? m.reason() + ": " + m.getMessage()
            : String.valueOf(e.getMessage()), started))
        .toCompletionStage()
        .thenCompose(s -> ctx.cancellations().isCancelled(jobId)
            ? CompletableFuture.completedFuture(null) // Cancelled while it was written: keep the cancelled result.
            : deltas.flush(s.answer()).thenCompose(x -> publish(ResultAssembler.assemble(record, s), trace)));
  }

  /**
   * The final answer as the result carries it: text over its cap is cut with a marker (answer_truncated);
   * client tools the outer model called are kept (a call of fusion itself is not the client's and is
   * dropped); calls larger than the final answer's cap fail the synthesis rather than make a record
   * nobody can write.
   */
  private static ResultAssembler.Synthesis synthesis(ChatResult r, RecordBudget budget, long started) {
    String answer = budget.boundFinalAnswer(r.content());
    List<FusionResult.AnswerToolCall> calls = new ArrayList<>();
    long callBytes = 0;
    for (ToolCall c : r.toolCalls()) {
      if (!FusionTool.NAME.equals(c.name())) {
        calls.add(new FusionResult.AnswerToolCall(c.id(), c.name(), c.arguments()));
        callBytes += JsonSize.string(c.id()) + JsonSize.string(c.name()) + JsonSize.string(c.arguments());
      }
    }
    if (callBytes > budget.maxFinalAnswerBytes() - JsonSize.string(answer)) {
      return failed(r.respondingModel(), "the outer model's tool calls take " + callBytes + " bytes; the final "
          + "answer may take " + budget.maxFinalAnswerBytes(), started);
    }
    return new ResultAssembler.Synthesis(answer, RecordBudget.boundModelId(r.respondingModel()), r.usage(), null,
        null, started, System.currentTimeMillis(), answer != r.content(), calls);
  }

  private static ResultAssembler.Synthesis failed(String model, String error, long started) {
    return new ResultAssembler.Synthesis(null, RecordBudget.boundModelId(model), null,
        FailureReasons.SYNTHESIZER_FAILED, RecordBudget.boundError(error), started, System.currentTimeMillis(), false,
        List.of());
  }

  private CompletableFuture<?> publish(FusionResult result, Headers trace) {
    String jobId = result.jobId();
    var terminal = Events.of(jobId, FusionResult.COMPLETED.equals(result.status()) ? EventTypes.COMPLETED
        : EventTypes.FAILED, d -> {
          d.put("status", result.status()).put("model", result.model());
          if (result.failureReason() != null) {
            d.put("failure_reason", result.failureReason());
          }
        });
    // The result first: a client that sees the terminal event can always fetch the result.
    return ctx.publisher().send(ctx.topics().results(), jobId, result, trace)
        .thenCompose(x -> ctx.publisher().send(ctx.topics().events(), jobId, terminal, trace))
        .whenComplete((x, error) -> {
          if (error == null) {
            ctx.metrics().jobFinished(result.status(), result.failureReason(), result.acceptedAtMs());
          }
        });
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
    private final Headers trace;
    /** Text bytes (as JSON) the deltas may carry before the cap's marker would start. */
    private final long sendableBytes;
    private final StringBuilder pending = new StringBuilder();
    private CompletableFuture<?> sent = CompletableFuture.completedFuture(null);
    private int index;
    private long timer = -1;
    private long acceptedBytes;
    private int acceptedChars;

    DeltaBatcher(String jobId, RecordBudget budget, Headers trace) {
      this.jobId = jobId;
      this.trace = trace;
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
          Events.of(jobId, EventTypes.OUTPUT_TEXT_DELTA, d -> d.put("delta", text).put("index", i)), trace);
      sent = CompletableFuture.allOf(sent, ack);
    }
  }
}
