package dev.fusion.common.contract;

/**
 * One valid line of a batch upload, made durable before the upload is acknowledged. {@code ordinal}
 * numbers the valid lines 0..n-1 (dispatch order); {@code lineNumber} is the 1-based line of the file.
 * The job's ID is deterministic per (batch, line), so dispatching it twice is idempotent.
 */
public record BatchItem(int schemaVersion, String batchId, long ordinal, long lineNumber, String customId,
    FusionJob job) implements Validated {

  public static final int SCHEMA_VERSION = 1;

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "BatchItem");
    Validated.requireText(batchId, "batch_id");
    Validated.require(job, "job");
    job.validate();
    if (ordinal < 0) {
      throw new IllegalArgumentException("negative ordinal");
    }
  }


  /** The topic key: unique per item, so the compacted items topic keeps every item. */
  public static String key(String batchId, long ordinal) {
    return batchId + "/" + ordinal;
  }

  /**
   * The job ID of a batch line: derived from (batch, line) by a name-based UUID, so it is the same on
   * every dispatch (idempotent) and has the shape of every other job ID ({@code job_} + 32 hex).
   */
  public static String jobId(String batchId, long lineNumber) {
    return "job_" + java.util.UUID.nameUUIDFromBytes((batchId + "/" + lineNumber)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString().replace("-", "");
  }
}
