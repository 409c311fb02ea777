package dev.fusion.common.contract;

import com.fasterxml.jackson.databind.JsonNode;

/** A progress event of one job; {@code type} is one of {@link EventTypes}. */
public record FusionEvent(int schemaVersion, String jobId, String type, long timestampMs, JsonNode data) {
  public static final int SCHEMA_VERSION = 1;
}
