package dev.fusion.common.kafka;

import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * A rebalance listener that knows when a rebalance is half done on this member: partitions were revoked
 * and the assignment that always follows (possibly of nothing) has not run yet. Under the consumer group
 * protocol each step runs on a later poll; {@link ConsumerThreads#close} polls until the rebalance is
 * complete, because Kafka logs a member that closes mid-rebalance as an ERROR.
 */
public final class TrackedRebalanceListener implements ConsumerRebalanceListener {
  private final ConsumerRebalanceListener delegate;
  private volatile boolean revokedAwaitingAssignment;

  public TrackedRebalanceListener(ConsumerRebalanceListener delegate) {
    this.delegate = delegate;
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    revokedAwaitingAssignment = true;
    delegate.onPartitionsRevoked(partitions);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    revokedAwaitingAssignment = false;
    delegate.onPartitionsAssigned(partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    delegate.onPartitionsLost(partitions);
  }

  /** Partitions were revoked and the assignment that completes the rebalance is still to run. */
  public boolean midRebalance() {
    return revokedAwaitingAssignment;
  }
}
