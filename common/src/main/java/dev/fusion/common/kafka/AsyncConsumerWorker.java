package dev.fusion.common.kafka;

import dev.fusion.common.Service;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-process-write loop every async stage shares (panel worker, judge caller, synthesizer).
 *
 * <p>A dedicated thread owns the consumer. Each polled record is handed to a {@link RecordHandler}
 * whose work runs elsewhere (Vert.x, the producer); completions come back through a queue. Per
 * partition an {@link OffsetTracker} yields the highest contiguous finished offset, and only that is
 * committed. In-flight records are capped: at the cap, or while {@code saturated} says the model
 * gateway is full, every assigned partition is paused, so memory stays bounded and Kafka holds the
 * backlog.
 *
 * <p>Error taxonomy:
 * <ul>
 *   <li>a record that cannot be deserialized, or whose processing throws a non-Kafka error (a bug
 *       that would fail again on replay), is a poison pill: it goes to the dead-letter topic with the
 *       reason and counts as finished, so the partition moves on;
 *   <li>a Kafka error (an output that could not be made durable) is retriable: the consumer is closed
 *       without committing the unfinished offsets and reopened after a backoff, so the work is
 *       replayed from the last commit.
 * </ul>
 */
public final class AsyncConsumerWorker<V> implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(AsyncConsumerWorker.class);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final long COMMIT_EVERY_MS = 200;
  private static final long MAX_RESTART_BACKOFF_MS = 30_000;

  /** Where records that cannot be processed go, with the reason; never blocks the partition. */
  public interface DeadLetters {
    void reject(ConsumerRecord<byte[], byte[]> record, String reason);
  }

  private final String name;
  private final TopicSpec<String, V> topic;
  private final Properties consumerProps;
  private final RecordHandler<V> handler;
  private final DeadLetters deadLetters;
  private final int maxInFlight;
  private final BooleanSupplier saturated;
  private Duration drainTimeout = Duration.ofSeconds(30);

  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  /** Polled but not yet started (a poll may return more than the cap allows); bounded by max.poll.records. */
  private final java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> waiting = new java.util.ArrayDeque<>();
  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CountDownLatch assigned = new CountDownLatch(1);
  private volatile boolean running;
  private volatile boolean ready;
  private volatile int restarts;
  private Thread thread;
  private KafkaConsumer<byte[], byte[]> consumer;
  /** Bumped at every consumer restart; completions of an earlier incarnation are ignored. */
  private int epoch;
  private long lastCommitMs;
  private boolean paused;

  private record Completion(int epoch, ConsumerRecord<byte[], byte[]> record, Throwable error) {
    TopicPartition partition() {
      return new TopicPartition(record.topic(), record.partition());
    }
  }

  /** A Kafka failure inside the loop: reopen the consumer and replay from the last commit. */
  private static final class RetriableStageFailure extends RuntimeException {
    RetriableStageFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public AsyncConsumerWorker(String name, TopicSpec<String, V> topic, Properties consumerProps,
      RecordHandler<V> handler, DeadLetters deadLetters, int maxInFlight, BooleanSupplier saturated) {
    this.name = name;
    this.topic = topic;
    this.consumerProps = new Properties();
    this.consumerProps.putAll(consumerProps);
    this.consumerProps.putIfAbsent(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
        Math.max(1, Math.min(500, maxInFlight)));
    this.handler = handler;
    this.deadLetters = deadLetters;
    this.maxInFlight = maxInFlight;
    this.saturated = saturated == null ? () -> false : saturated;
  }

  /** How long a graceful stop waits for in-flight work before leaving it to be replayed. */
  public AsyncConsumerWorker<V> drainTimeout(Duration timeout) {
    this.drainTimeout = timeout;
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start() {
    running = true;
    thread = new Thread(this::runWithRestarts, name + "-consumer");
    thread.setDaemon(true);
    thread.start();
    ready = true;
  }

  /** Waits until the group gave this worker its partitions (useful in tests and dev start-up). */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean isReady() {
    return ready && running;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public boolean isPaused() {
    return paused;
  }

  /** How often the consumer was reopened after a Kafka failure. */
  public int restarts() {
    return restarts;
  }

  @Override
  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    ConsumerThreads.wakeAndJoin(consumer, thread, drainTimeout.plusSeconds(15));
    ready = false;
  }

  private void runWithRestarts() {
    long backoffMs = 500;
    while (running) {
      consumer = new KafkaConsumer<>(consumerProps);
      boolean failed = runOnce();
      if (!failed || !running) {
        break;
      }
      restarts++;
      epoch++;
      inFlight.set(0);
      trackers.clear();
      committed.clear();
      completions.clear();
      waiting.clear();
      paused = false;
      ready = false;
      LOG.warn("{}: reopening the consumer in {} ms; unfinished work will be replayed", name, backoffMs);
      try {
        Thread.sleep(backoffMs); // Backoff between reconnects of this worker's own thread.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      backoffMs = Math.min(backoffMs * 2, MAX_RESTART_BACKOFF_MS);
      ready = true;
    }
    running = false;
    ready = false;
  }

  /** One consumer incarnation; returns true when it ended on a retriable failure. */
  private boolean runOnce() {
    boolean failed = false;
    try {
      consumer.subscribe(List.of(topic.name()), new Rebalance());
      while (running) {
        drainCompletions();
        dispatchWithinCap();
        applyBackpressure();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          waiting.add(record);
        }
        dispatchWithinCap();
        maybeCommit(false);
      }
      finishInFlight();
    } catch (WakeupException e) {
      try {
        finishInFlight(); // stop() asked us to leave the poll.
      } catch (RuntimeException failure) {
        failed = true;
        LOG.error("{}: stage failed while stopping; unfinished work will be replayed", name, failure);
      }
    } catch (RuntimeException e) {
      failed = true;
      LOG.error("{}: Kafka failure; closing without committing unfinished work", name, e);
    } finally {
      try {
        if (!failed) {
          drainCompletions();
          maybeCommit(true);
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: final commit failed; unfinished work will be replayed", name, e);
      }
      try {
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
      } catch (RuntimeException e) {
        LOG.debug("{}: consumer close failed", name, e);
      }
    }
    return failed;
  }

  /**
   * A graceful stop takes no new records but lets in-flight work finish (up to a limit), so its offsets
   * are committed and nothing is redone by the next owner of the partitions.
   */
  private void finishInFlight() {
    long deadline = System.currentTimeMillis() + drainTimeout.toMillis();
    consumer.pause(consumer.assignment());
    paused = true;
    while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
      drainCompletions();
      try {
        consumer.poll(POLL); // Paused: returns nothing, but keeps the group membership alive.
      } catch (WakeupException ignored) {
        // A second wakeup from stop(); keep draining until the deadline.
      }
    }
    drainCompletions();
  }

  private void dispatch(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    trackers.computeIfAbsent(tp, p -> new OffsetTracker()).started(record.offset());
    inFlight.incrementAndGet();
    int myEpoch = epoch;
    V value;
    try {
      value = topic.valueSerde().deserializer().deserialize(record.topic(), record.headers(), record.value());
      if (value == null) {
        throw new IllegalArgumentException("empty record");
      }
    } catch (RuntimeException e) {
      deadLetters.reject(record, "undeserializable " + topic.name() + " record: " + rootMessage(e));
      completions.add(new Completion(myEpoch, record, null));
      return;
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    try {
      handler.handle(key, value).whenComplete((ok, error) -> completions.add(new Completion(myEpoch, record, error)));
    } catch (RuntimeException e) {
      completions.add(new Completion(myEpoch, record, e));
    }
  }

  private void drainCompletions() {
    Completion c;
    while ((c = completions.poll()) != null) {
      if (c.epoch != epoch) {
        continue; // Work of an earlier consumer incarnation; its records are being replayed.
      }
      inFlight.decrementAndGet();
      if (c.error != null) {
        Throwable cause = unwrap(c.error);
        if (cause instanceof KafkaException) {
          throw new RetriableStageFailure("output of " + c.partition() + "@" + c.record.offset()
              + " could not be made durable", cause);
        }
        LOG.error("{}: processing {}@{} failed; sending it to the dead-letter topic", name, c.partition(),
            c.record.offset(), cause);
        deadLetters.reject(c.record, "processing failed: " + rootMessage(cause));
      }
      OffsetTracker tracker = trackers.get(c.partition());
      if (tracker != null) {
        tracker.finished(c.record.offset());
      }
    }
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Starts polled records only while under the cap; the rest wait (partitions stay paused meanwhile). */
  private void dispatchWithinCap() {
    while (!waiting.isEmpty() && inFlight.get() < maxInFlight) {
      dispatch(waiting.poll());
    }
  }

  private void applyBackpressure() {
    boolean full = !waiting.isEmpty() || inFlight.get() >= maxInFlight || saturated.getAsBoolean();
    Set<TopicPartition> assignment = consumer.assignment();
    if (full && !paused) {
      consumer.pause(assignment);
      paused = true;
    } else if (!full && paused) {
      consumer.resume(assignment);
      paused = false;
    }
  }

  private void maybeCommit(boolean sync) {
    long now = System.currentTimeMillis();
    if (!sync && now - lastCommitMs < COMMIT_EVERY_MS) {
      return;
    }
    lastCommitMs = now;
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (var entry : trackers.entrySet()) {
      long next = entry.getValue().committable();
      if (next >= 0 && !Long.valueOf(next).equals(committed.get(entry.getKey()))) {
        offsets.put(entry.getKey(), new OffsetAndMetadata(next));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      consumer.commitSync(offsets);
      offsets.forEach((tp, om) -> committed.put(tp, om.offset()));
    } else {
      consumer.commitAsync(offsets, (done, error) -> {
        if (error == null) {
          done.forEach((tp, om) -> committed.put(tp, om.offset()));
        } else {
          LOG.debug("{}: async commit failed, will retry: {}", name, error.toString());
        }
      });
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Commit what is finished; unfinished records of these partitions will be replayed by the new
      // owner (outputs are idempotent, so finishing them here too is harmless).
      try {
        drainCompletions();
      } catch (RetriableStageFailure e) {
        LOG.warn("{}: {}", name, e.getMessage());
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (TopicPartition tp : partitions) {
        OffsetTracker tracker = trackers.get(tp);
        if (tracker != null && tracker.committable() >= 0) {
          offsets.put(tp, new OffsetAndMetadata(tracker.committable()));
        }
      }
      try {
        if (!offsets.isEmpty()) {
          consumer.commitSync(offsets);
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: commit on revoke failed; work will be replayed", name, e);
      }
      forget(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (paused) {
        consumer.pause(partitions);
      }
      assigned.countDown();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      // Records polled but never started are simply polled again by the next owner.
      waiting.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
      partitions.forEach(tp -> {
        trackers.remove(tp);
        committed.remove(tp);
      });
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
