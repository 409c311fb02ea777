package dev.fusion.common.kafka;

import dev.fusion.common.Service;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * <p>Error taxonomy: a record that cannot be deserialized is a poison pill, sent to the dead-letter
 * handler and counted as finished; a handler whose stage fails (the output could not be made durable)
 * is fatal: the worker stops without committing that offset so another instance, or a restart,
 * replays it.
 */
public final class AsyncConsumerWorker<V> implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(AsyncConsumerWorker.class);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final long COMMIT_EVERY_MS = 200;

  /** Where undeserializable records go, with the reason; never blocks the partition. */
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
  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CountDownLatch assigned = new CountDownLatch(1);
  private volatile boolean running;
  private volatile boolean ready;
  private volatile Throwable fatal;
  private Thread thread;
  private KafkaConsumer<byte[], byte[]> consumer;
  private long lastCommitMs;
  private boolean paused;

  private record Completion(TopicPartition partition, long offset, Throwable error) {}

  public AsyncConsumerWorker(String name, TopicSpec<String, V> topic, Properties consumerProps,
      RecordHandler<V> handler, DeadLetters deadLetters, int maxInFlight, BooleanSupplier saturated) {
    this.name = name;
    this.topic = topic;
    this.consumerProps = consumerProps;
    this.handler = handler;
    this.deadLetters = deadLetters;
    this.maxInFlight = maxInFlight;
    this.saturated = saturated == null ? () -> false : saturated;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start() {
    consumer = new KafkaConsumer<>(consumerProps);
    running = true;
    thread = new Thread(this::run, name + "-consumer");
    thread.setDaemon(true);
    thread.start();
    ready = true;
  }

  /** How long a graceful stop waits for in-flight work before leaving it to be replayed. */
  public AsyncConsumerWorker<V> drainTimeout(Duration timeout) {
    this.drainTimeout = timeout;
    return this;
  }

  /** Waits until the group gave this worker its partitions (useful in tests and dev start-up). */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean isReady() {
    return ready && running && fatal == null;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public boolean isPaused() {
    return paused;
  }

  public Throwable fatalError() {
    return fatal;
  }

  @Override
  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread != null) {
      try {
        thread.join(drainTimeout.toMillis() + 15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    ready = false;
  }

  private void run() {
    try {
      consumer.subscribe(List.of(topic.name()), new Rebalance());
      while (running) {
        drainCompletions();
        applyBackpressure();
        var records = consumer.poll(POLL);
        for (ConsumerRecord<byte[], byte[]> record : records) {
          dispatch(record);
        }
        maybeCommit(false);
      }
      finishInFlight();
    } catch (WakeupException e) {
      // stop() asked us to leave the poll.
      try {
        finishInFlight();
      } catch (RuntimeException failure) {
        fatal = failure;
        LOG.error("{}: stage failed while stopping; unfinished work will be replayed", name, failure);
      }
    } catch (Throwable e) {
      fatal = e;
      LOG.error("{}: fatal error, stopping without committing unfinished work", name, e);
    } finally {
      try {
        if (fatal == null) {
          drainCompletions();
          maybeCommit(true);
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: final commit failed; unfinished work will be replayed", name, e);
      }
      consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
      running = false;
      ready = false;
    }
  }

  /**
   * A graceful stop takes no new records but lets in-flight work finish (up to a limit), so its offsets
   * are committed and nothing is redone by the next owner of the partitions.
   */
  private void finishInFlight() {
    long deadline = System.currentTimeMillis() + drainTimeout.toMillis();
    consumer.pause(consumer.assignment());
    paused = true;
    while (inFlight.get() > 0 && System.currentTimeMillis() < deadline && fatal == null) {
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
    OffsetTracker tracker = trackers.computeIfAbsent(tp, p -> new OffsetTracker());
    tracker.started(record.offset());
    inFlight.incrementAndGet();
    String key = record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
    V value;
    try {
      value = topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
      if (value == null) {
        throw new IllegalArgumentException("empty record");
      }
    } catch (RuntimeException e) {
      deadLetters.reject(record, "undeserializable " + topic.name() + " record: " + rootMessage(e));
      completions.add(new Completion(tp, record.offset(), null));
      return;
    }
    try {
      handler.handle(key, value).whenComplete((ok, error) -> completions.add(new Completion(tp, record.offset(), error)));
    } catch (RuntimeException e) {
      completions.add(new Completion(tp, record.offset(), e));
    }
  }

  private void drainCompletions() {
    Completion c;
    while ((c = completions.poll()) != null) {
      inFlight.decrementAndGet();
      if (c.error != null) {
        throw new IllegalStateException("stage failed for " + c.partition + "@" + c.offset, c.error);
      }
      OffsetTracker tracker = trackers.get(c.partition);
      if (tracker != null) {
        tracker.finished(c.offset);
      }
    }
  }

  private void applyBackpressure() {
    boolean full = inFlight.get() >= maxInFlight || saturated.getAsBoolean();
    Set<TopicPartition> assignment = consumer.assignment();
    if (full && !paused) {
      consumer.pause(assignment);
      paused = true;
    } else if (!full && paused) {
      consumer.resume(assignment);
      paused = false;
    } else if (paused) {
      // Partitions assigned while paused must be paused too.
      consumer.pause(assignment);
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
      committed.putAll(offsets.entrySet().stream()
          .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
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
      // owner (answers are idempotent, so finishing them here too is harmless).
      drainCompletionsQuietly();
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
      partitions.forEach(tp -> {
        trackers.remove(tp);
        committed.remove(tp);
      });
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
      partitions.forEach(tp -> {
        trackers.remove(tp);
        committed.remove(tp);
      });
    }
  }

  private void drainCompletionsQuietly() {
    Completion c;
    List<Completion> failed = new ArrayList<>();
    while ((c = completions.poll()) != null) {
      inFlight.decrementAndGet();
      if (c.error != null) {
        failed.add(c);
        continue;
      }
      OffsetTracker tracker = trackers.get(c.partition);
      if (tracker != null) {
        tracker.finished(c.offset);
      }
    }
    if (!failed.isEmpty()) {
      fatal = failed.get(0).error;
      running = false;
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
