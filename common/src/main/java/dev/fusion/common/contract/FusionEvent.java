package dev.fusion.common.contract;

import com.fasterxml.jackson.databind.JsonNode;

/** A progress event of one job; {@code type} is one of {@link EventTypes}. */
public record FusionEvent(int schemaVersion, String jobId, String type, long timestampMs, JsonNode data)
    implements Validated {
  public static final int SCHEMA_VERSION = 1;

  @Override
  public void validate() {
    Validated.requireVersion(schemaVersion, SCHEMA_VERSION, "FusionEvent");
    Validated.requireText(jobId, "job_id");
    Validated.requireText(type, "type");
  }
}
