package dev.fusion.common.kafka;

import java.time.Duration;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stopping a thread that owns a Kafka consumer, the same way wherever Fusion runs one. */
public final class ConsumerThreads {
  private static final Logger LOG = LoggerFactory.getLogger(ConsumerThreads.class);

  private ConsumerThreads() {}

  /** How long a closing member lets a rebalance it is in the middle of finish. */
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(2);
  private static final Duration SETTLE_POLL = Duration.ofMillis(20);

  /**
   * Closes a group consumer from its own thread without leaving in the middle of a rebalance: another
   * member joining revokes partitions from this one, and the revocation and the assignment after it each
   * wait for a poll. {@code close()} would drop what is queued and Kafka logs that as an ERROR (harmless:
   * close revokes whatever is still assigned). So it polls, every partition paused (no records), until
   * the rebalance is complete or two seconds passed, then closes. Never throws: the consumer is being
   * abandoned either way.
   */
  public static void close(Consumer<?, ?> consumer, TrackedRebalanceListener rebalances, Duration timeout,
      String name) {
    try {
      consumer.pause(consumer.assignment());
      // A poll also starts the reconciliation of an assignment the broker changed since the last one, and
      // what that queues comes a moment later: poll again while anything is queued or half done.
      long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
      do {
        consumer.poll(SETTLE_POLL);
      } while ((rebalances.midRebalance() || queuedForPoll(consumer) > 0) && System.nanoTime() < deadline);
    } catch (RuntimeException e) { // A pending wakeup, a consumer that failed or never subscribed.
      LOG.debug("{}: closing without waiting for a rebalance to finish", name, e);
    }
    try {
      consumer.close(CloseOptions.timeout(timeout));
    } catch (RuntimeException e) {
      LOG.debug("{}: consumer close failed", name, e);
    }
  }

  /** Events the consumer's network thread queued for its next poll (Kafka's own gauge; 0 where there is none). */
  static double queuedForPoll(Consumer<?, ?> consumer) {
    double queued = 0;
    for (var e : consumer.metrics().entrySet()) {
      if (e.getKey().name().equals("background-event-queue-size") && e.getValue().metricValue() instanceof Number n) {
        queued = Math.max(queued, n.doubleValue());
      }
    }
    return queued;
  }

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
