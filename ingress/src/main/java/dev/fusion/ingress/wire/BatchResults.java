package dev.fusion.ingress.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.Usage;
import dev.fusion.ingress.view.JobView;

/**
 * One line of a batch's results file, in the OpenAI Batch output shape:
 * {@code {"id", "custom_id", "line", "response": {"status_code", "request_id", "body"}, "error"}} where the
 * body is a {@code chat.completion} whose {@code fusion} field carries the analysis and panel answers.
 */
public final class BatchResults {
  private BatchResults() {}

  /** The line for an item, or null while it has not finished. */
  public static ObjectNode line(BatchItem item, JobView job, BatchState batch) {
    ObjectNode line = Json.object().put("id", item.job().jobId()).put("custom_id", item.customId())
        .put("line", item.lineNumber());
    if (job != null && job.isTerminal() && job.result() != null) {
      FusionResult r = job.result();
      if (FusionResult.COMPLETED.equals(r.status())) {
        ObjectNode response = line.putObject("response").put("status_code", 200).put("request_id", r.jobId());
        response.set("body", chatCompletion(r));
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

  static ObjectNode chatCompletion(FusionResult r) {
    ObjectNode body = Json.object().put("id", r.jobId()).put("object", "chat.completion")
        .put("created", r.completedAtMs() / 1000).put("model", r.model());
    ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", r.answer());
    choice.put("finish_reason", "stop");
    Usage total = r.usage() == null ? null : r.usage().total();
    if (total != null) {
      body.putObject("usage").put("prompt_tokens", total.promptTokens())
          .put("completion_tokens", total.completionTokens()).put("total_tokens", total.totalTokens());
    }
    ObjectNode fusion = body.putObject("fusion").put("router", r.router());
    if (r.analysis() != null) {
      fusion.set("analysis", Json.MAPPER.valueToTree(r.analysis()));
    }
    fusion.set("responses", Json.MAPPER.valueToTree(r.responses()));
    fusion.set("failed_models", Json.MAPPER.valueToTree(r.failedModels()));
    if (r.failureReason() != null) {
      fusion.put("failure_reason", r.failureReason());
    }
    return body;
  }
}
