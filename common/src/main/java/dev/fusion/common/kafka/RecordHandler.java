package dev.fusion.common.kafka;

import java.util.concurrent.CompletionStage;

/**
 * The domain step of an {@link AsyncConsumerWorker}: process one record and complete once every output
 * it produces was acknowledged by Kafka. Expected failures (a model that errs) must be turned into
 * typed output records by the handler. A stage that fails is classified by {@link FailureKind}: a
 * retriable failure is tried again (a bounded number of times), poison is dead-lettered, a fatal
 * failure stops the worker. Handlers must be idempotent: a record may be handled more than once.
 */
@FunctionalInterface
public interface RecordHandler<V> {
  CompletionStage<?> handle(String key, V value);
}
