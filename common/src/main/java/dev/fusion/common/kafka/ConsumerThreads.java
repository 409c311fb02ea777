package dev.fusion.common.kafka;

import java.time.Duration;
import org.apache.kafka.clients.consumer.Consumer;

/** Stopping a thread that owns a Kafka consumer, the same way wherever Fusion runs one. */
public final class ConsumerThreads {
  private ConsumerThreads() {}

  /**
   * Wakes the consumer out of {@code poll} (the only thread-safe call on it) and waits up to
   * {@code wait} for its thread to finish and close it. Either may be null: not started yet.
   */
  public static void wakeAndJoin(Consumer<?, ?> consumer, Thread thread, Duration wait) {
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread == null) {
      return;
    }
    try {
      thread.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
