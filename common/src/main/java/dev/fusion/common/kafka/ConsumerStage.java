package dev.fusion.common.kafka;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;

/**
 * A pipeline stage that consumes one topic with an {@link AsyncConsumerWorker} and skips cancelled jobs:
 * the panel worker and the synthesizer. It knows every earlier cancellation before its first record, is
 * ready when its consumer is assigned and the cancellations caught up, and can stop as a crash would
 * ({@link #stopNow}). A subclass says only how a record is handled.
 */
public abstract class ConsumerStage<V> implements Service {
  protected final StageContext ctx;
  private final String name;
  private final AsyncConsumerWorker<V> worker;

  /**
   * @param group the consumer group, without the topic prefix
   * @param stage the {@code stage} label of its meters ({@code panel}, {@code synthesizer})
   * @param saturated while true, the worker pauses its partitions (the model gateway is full)
   */
  protected ConsumerStage(StageContext ctx, String name, String group, String stage, TopicSpec<String, V> topic,
      int maxInFlight, BooleanSupplier saturated) {
    this.ctx = ctx;
    this.name = name;
    var config = ctx.config();
    this.worker = new AsyncConsumerWorker<>(name, topic,
        KafkaConfigs.consumer(config.bootstrapServers(), config.topicPrefix() + group, name), this::handle,
        ctx.deadLetters(), maxInFlight, saturated)
        .attemptsPausedWhile(ctx::kafkaKnownUnreachable)
        .metered(ctx.metrics(), stage)
        .traced(ctx.tracing(), "fusion." + stage);
  }

  /** Handles one record; the returned stage completes when all its outputs are acknowledged by Kafka. */
  protected abstract CompletionStage<?> handle(String key, V value);

  @Override
  public void start() {
    ctx.cancellations(); // Know every earlier cancellation before the first record is handled.
    worker.start();
  }

  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return worker.awaitAssignment(timeout);
  }

  @Override
  public void stop() {
    worker.stop();
  }

  /**
   * Stops at once, abandoning in-flight records uncommitted, as a crash would: they are replayed by the
   * next owner. Used by tests and by an operator who cannot wait.
   */
  public void stopNow() {
    worker.drainTimeout(Duration.ZERO);
    worker.stop();
  }

  @Override
  public boolean isReady() {
    return worker.isReady() && ctx.cancellationsReady();
  }

  @Override
  public String name() {
    return name;
  }

  public int inFlight() {
    return worker.inFlight();
  }
}
