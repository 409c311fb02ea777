package dev.fusion.common.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends made while a record is handled (progress events such as a model's tool calls, which happen on
 * whatever thread finished the call) that the record's output must wait for, so nothing is committed
 * before they are acknowledged. Empty until the first send: a record that makes none costs no allocation.
 */
public final class PendingSends {
  private List<CompletableFuture<?>> sends;

  public synchronized void add(CompletableFuture<?> send) {
    if (sends == null) {
      sends = new ArrayList<>(4);
    }
    sends.add(send);
  }

  /** Completes when every send added so far is acknowledged (at once when there were none). */
  public synchronized CompletableFuture<Void> all() {
    return sends == null ? CompletableFuture.completedFuture(null)
        : CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
  }
}
