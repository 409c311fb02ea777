package dev.fusion.common.kafka;

import java.util.concurrent.CompletionStage;

/**
 * The domain step of an {@link AsyncConsumerWorker}: process one record and complete once every output
 * it produces was acknowledged by Kafka. Expected failures (a model that errs) must be turned into
 * typed output records by the handler; a failed stage means the work could not be made durable
 * and is treated as fatal for the worker (it stops without committing, so the record is replayed).
 */
@FunctionalInterface
public interface RecordHandler<V> {
  CompletionStage<?> handle(String key, V value);
}
