package dev.fusion.common.kafka;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where a consumer loop sends a record it can never process (poison), with the reason. The future
 * completes once the dead letter is durable: a loop counts the record finished only then, so poison is
 * never lost, and it never waits on the future on a thread that must not block.
 */
@FunctionalInterface
public interface DeadLetters {
  CompletableFuture<?> reject(ConsumerRecord<byte[], byte[]> record, String reason);
}
