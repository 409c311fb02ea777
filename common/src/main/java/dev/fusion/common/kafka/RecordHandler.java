package dev.fusion.common.kafka;

import java.util.concurrent.CompletionStage;

/**
 * The domain step of an {@link AsyncConsumerWorker}: process one record and complete once every output
 * it produces was acknowledged by Kafka. Expected failures (a model that errs) must be turned into
 * typed output records by the handler. A stage that fails is classified by {@link FailureKind}: a
 * retriable failure is tried again (a bounded number of times), poison is dead-lettered, a fatal
 * failure stops the worker. Handlers must be idempotent: a record may be handled more than once.
 *
 * <p>While {@code handle} runs (on the consumer thread), the record's trace continued by a span of this
 * stage is {@link dev.fusion.common.logging.JobTrace#current()} and the job's fields are in the logging MDC:
 * a handler takes the trace's {@code headers()} for the records it writes, and re-enters it on the threads
 * where its work goes on if it logs there.
 */
@FunctionalInterface
public interface RecordHandler<V> {
  CompletionStage<?> handle(String key, V value);
}
