package dev.fusion.common.contract;

import java.util.List;
import java.util.Map;

/**
 * The durable state of a batch (compacted on batch ID): its status, how many valid items it has, the
 * lines that were rejected at upload, and - once terminal - the final counts.
 */
public record BatchState(
    int schemaVersion,
    String batchId,
    String tenant,
    String status,
    long totalLines,
    long validItems,
    long invalidLines,
    List<LineError> lineErrors,
    Map<String, Object> settings,
    long completed,
    long failed,
    long dispatched,
    long createdAtMs,
    Long inProgressAtMs,
    Long cancelledAtMs,
    Long finishedAtMs,
    String error) implements Validated {

  public static final int SCHEMA_VERSION = 1;

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "BatchState");
    Validated.requireText(batchId, "batch_id");
    Validated.requireText(tenant, "tenant");
    Validated.requireText(status, "status");
  }

  public static final String VALIDATING = "validating";
  public static final String IN_PROGRESS = "in_progress";
  public static final String FINALIZING = "finalizing";
  public static final String COMPLETED = "completed";
  public static final String CANCELLING = "cancelling";
  public static final String CANCELLED = "cancelled";
  public static final String FAILED = "failed";

  /**
   * A rejected upload line: its 1-based number, a code, a readable reason and the field it names, if any
   * (as the line names it, e.g. {@code body.plugins[fusion].temperature}).
   */
  public record LineError(long line, String customId, String code, String message, String param) {
    public LineError(long line, String customId, String code, String message) {
      this(line, customId, code, message, null);
    }
  }

  public boolean isTerminal() {
    return COMPLETED.equals(status) || CANCELLED.equals(status) || FAILED.equals(status);
  }

  public BatchState withStatus(String next, long now) {
    return new BatchState(schemaVersion, batchId, tenant, next, totalLines, validItems, invalidLines, lineErrors,
        settings, completed, failed, dispatched, createdAtMs,
        IN_PROGRESS.equals(next) && inProgressAtMs == null ? Long.valueOf(now) : inProgressAtMs,
        CANCELLING.equals(next) && cancelledAtMs == null ? Long.valueOf(now) : cancelledAtMs,
        COMPLETED.equals(next) || CANCELLED.equals(next) || FAILED.equals(next) ? Long.valueOf(now) : finishedAtMs,
        error);
  }

  public BatchState withCounts(long completedCount, long failedCount, long dispatchedCount) {
    return new BatchState(schemaVersion, batchId, tenant, status, totalLines, validItems, invalidLines, lineErrors,
        settings, completedCount, failedCount, dispatchedCount, createdAtMs, inProgressAtMs, cancelledAtMs,
        finishedAtMs, error);
  }
}
