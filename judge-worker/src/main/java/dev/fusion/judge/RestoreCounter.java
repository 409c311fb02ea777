package dev.fusion.judge;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * Counts the changelog records Streams restores into the aggregation's stores. A worker that finds its
 * stores in its state directory restores only what the changelogs got since their checkpoint (nothing
 * after a clean stop); one without them restores everything. Logged at start, and what the restart test
 * checks.
 */
final class RestoreCounter implements StateRestoreListener {
  private final AtomicLong restored = new AtomicLong();

  long restored() {
    return restored.get();
  }

  @Override
  public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
    // Counted as batches arrive.
  }

  @Override
  public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
    restored.addAndGet(numRestored);
  }

  @Override
  public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
    // Already counted batch by batch.
  }
}
