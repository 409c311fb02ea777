package dev.fusion.ingress.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState;
import dev.fusion.common.contract.BatchState.LineError;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.ingress.view.JobView;

/**
 * The batch API's shapes: the {@code batch} object and one line of a batch's results file, in the OpenAI
 * Batch output shape {@code {"id", "custom_id", "line", "response": {"status_code", "request_id",
 * "body"}, "error"}} whose body is the same {@code chat.completion} {@code POST /v1/chat/completions}
 * answers for the result ({@link ChatCompletionResponses#fromResult}).
 */
public final class BatchObjects {
  public static final String OBJECT = "batch";

  private BatchObjects() {}

  /**
   * What the dispatching instance knows beyond the stored state: live counts, whether it is finalizing
   * or cancelled, and the rate since it took the batch up.
   */
  public record Live(long completed, long failed, long inFlight, long dispatched, boolean finalizing,
      boolean cancelled, double ratePerSecond) {}

  /** The batch object; {@code live} is null where the batch is not dispatched (or not any more). */
  public static ObjectNode batch(BatchState s, Live live) {
    ObjectNode b = Json.object().put("id", s.batchId()).put("object", OBJECT);
    String status = s.status();
    long completed = s.completed();
    long failed = s.failed();
    long inFlight = 0;
    double rate = 0;
    if (live != null && !s.isTerminal()) {
      completed = live.completed();
      failed = live.failed();
      inFlight = live.inFlight();
      if (live.finalizing()) {
        status = live.cancelled() ? BatchState.CANCELLING : BatchState.FINALIZING;
      } else if (live.cancelled()) {
        status = BatchState.CANCELLING;
      }
      rate = live.ratePerSecond();
    }
    b.put("status", status).put("created_at", s.createdAtMs() / 1000);
    putSeconds(b, "in_progress_at", s.inProgressAtMs());
    putSeconds(b, "cancelling_at", s.cancelledAtMs());
    putSeconds(b, BatchState.FAILED.equals(s.status()) ? "failed_at"
        : BatchState.CANCELLED.equals(s.status()) ? "cancelled_at" : "completed_at", s.finishedAtMs());
    ObjectNode counts = b.putObject("request_counts");
    long total = s.validItems();
    counts.put("total", total).put("completed", completed).put("failed", failed).put("in_flight", inFlight)
        .put("pending", Math.max(0, total - completed - failed - inFlight));
    if (s.isTerminal() || BatchState.CANCELLING.equals(s.status())) {
      counts.put("dispatched", live != null ? live.dispatched() : s.dispatched());
    }
    b.put("lines", s.totalLines()).put("invalid_lines", s.invalidLines());
    if (!s.isTerminal()) {
      long remaining = Math.max(0, total - completed - failed);
      b.put("rate_per_second", Math.round(rate * 100) / 100.0);
      if (rate > 0) {
        b.put("eta_seconds", Math.round(remaining / rate));
      } else {
        b.putNull("eta_seconds");
      }
    }
    if (s.error() != null) {
      b.put("error", s.error());
    }
    b.set("settings", Json.MAPPER.valueToTree(s.settings()));
    ObjectNode errors = b.putObject("errors").put("object", "list");
    var data = errors.putArray("data");
    for (LineError e : s.lineErrors()) {
      ObjectNode err = data.addObject().put("line", e.line()).put("code", e.code()).put("message", e.message());
      if (e.customId() != null) {
        err.put("custom_id", e.customId());
      }
      if (e.param() != null) {
        err.put("param", e.param());
      }
    }
    errors.put("truncated", s.invalidLines() > s.lineErrors().size());
    return b;
  }

  /** A batch in a list: without its line errors (the list stays small; the batch itself has them). */
  public static ObjectNode summary(BatchState s, Live live) {
    ObjectNode b = batch(s, live);
    b.remove("errors");
    return b;
  }

  private static void putSeconds(ObjectNode b, String field, Long ms) {
    if (ms != null) {
      b.put(field, ms / 1000);
    }
  }

  /** The results line for an item, or null while it has not finished. */
  public static ObjectNode resultLine(BatchItem item, JobView job, BatchState batch) {
    ObjectNode line = Json.object().put("id", item.job().jobId()).put("custom_id", item.customId())
        .put("line", item.lineNumber());
    if (job != null && job.isTerminal() && job.result() != null) {
      FusionResult r = job.result();
      if (FusionResult.COMPLETED.equals(r.status())) {
        ObjectNode response = line.putObject("response").put("status_code", 200).put("request_id", r.jobId());
        response.set("body", ChatCompletionResponses.fromResult(r));
        line.putNull("error");
      } else {
        line.putNull("response");
        line.putObject("error").put("code", r.failureReason() == null ? "job_failed" : r.failureReason())
            .put("message", r.error() == null ? "The deliberation failed." : r.error());
      }
      return line;
    }
    boolean neverRuns = job == null
        && (BatchState.CANCELLED.equals(batch.status()) || BatchState.FAILED.equals(batch.status()));
    if (neverRuns) {
      line.putNull("response");
      line.putObject("error").put("code", "batch_cancelled")
          .put("message", "Not run: the batch was cancelled before this line was dispatched.");
      return line;
    }
    return null;
  }
}
