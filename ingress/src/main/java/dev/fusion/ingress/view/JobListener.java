package dev.fusion.ingress.view;

import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionResult;

/**
 * Receives a job's events and result as the jobs view applies them (on the view's thread: hand work
 * off, never block). {@code offset} is the event's position in its partition: increasing per job, so it
 * serves as an SSE event ID.
 */
public interface JobListener {
  void onEvent(FusionEvent event, long offset);

  void onResult(FusionResult result);
}
