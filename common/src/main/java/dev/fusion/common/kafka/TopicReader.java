package dev.fusion.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read loop of a reader without a consumer group that sees every partition of its topics (the
 * cancellations set, the ingress jobs view and batch store): one thread assigns every partition,
 * starts where the owner says (its stored positions, or the beginning), hands each polled batch to the
 * owner's {@link Sink} and reports when it has read all that was in the topics at start.
 *
 * <p>Failures follow {@link FailureKind}. A record the sink cannot take is poison: the sink passes it
 * to {@link Rejects#reject}, and the dead letters of a batch are durable before the sink stores the
 * batch's positions ({@link Rejects#awaitDurable}), so none is lost. A failure of the consumer or of a
 * whole batch backs off and reads the batch again (sinks are idempotent): for as long as it lasts when
 * it is retriable (a dead letter Kafka could not take during an outage), {@value #MAX_BATCH_ATTEMPTS}
 * times in a row for anything else (a bug of the sink). After that, or on a fatal failure, the reader
 * stops and reports not ready, with the reason ({@link #fatalFailure()}).
 *
 * <p>Such a reader re-reads a topic from the beginning whenever it has no stored position (every
 * start for cancellations, a rebuilt view). So that each poison record is reported once rather than at
 * every such start, the offsets up to which poison was reported are committed to a consumer group of
 * their own ({@code reportedGroup}), used only as a bookmark (no member ever joins it); poison below
 * the bookmark is skipped. Instances reading concurrently may each report a record once.
 */
public final class TopicReader {
  private static final Logger LOG = LoggerFactory.getLogger(TopicReader.class);
  /** Failures in a row of one batch (not of a record: those are poison) before the reader gives up. */
  static final int MAX_BATCH_ATTEMPTS = 5;
  private static final long MAX_BACKOFF_MS = 10_000;
  private static final Duration DEAD_LETTER_WAIT = Duration.ofMinutes(2);
  /** The poll once caught up: records and stop()'s wakeup end it at once, so it only sets idle wake-ups. */
  private static final Duration IDLE_POLL = Duration.ofSeconds(1);
  /** How long the broker holds this reader's fetch while there is nothing new. */
  static final Duration IDLE_FETCH_WAIT = Duration.ofSeconds(5);

  /** Applies one polled batch. Must call {@link Rejects#awaitDurable} before it stores the batch's positions. */
  @FunctionalInterface
  public interface Sink {
    void apply(ConsumerRecords<byte[], byte[]> records, Rejects rejects) throws Exception;
  }

  private final String name;
  private final Duration pollTimeout;
  private final DeadLetters deadLetters;
  private final String reportedGroup;
  private final Sink sink;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  /** Poison at offsets below these was reported already (by this reader or an earlier start). */
  private final Map<TopicPartition, Long> reportedUpTo = new HashMap<>();
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread thread;
  private volatile boolean running;
  private volatile String fatalFailure;

  /**
   * @param reportedGroup the consumer group that bookmarks reported poison; null to report at every re-read
   */
  public TopicReader(String name, Duration pollTimeout, DeadLetters deadLetters, String reportedGroup, Sink sink) {
    this.name = name;
    this.pollTimeout = pollTimeout;
    this.deadLetters = deadLetters;
    this.reportedGroup = reportedGroup;
    this.sink = sink;
  }

  /** The poison of one polled batch; used by the reader's thread only. */
  public final class Rejects {
    private final List<CompletableFuture<?>> pending = new ArrayList<>();
    private final Map<TopicPartition, Long> reported = new HashMap<>();

    /** Sends the record to the dead letters with the reason, unless an earlier read already did. */
    public void reject(ConsumerRecord<byte[], byte[]> record, String reason) {
      TopicPartition tp = new TopicPartition(record.topic(), record.partition());
      if (record.offset() < reportedUpTo.getOrDefault(tp, 0L)) {
        LOG.debug("{}: {}@{} was reported before: {}", name, tp, record.offset(), reason);
        return;
      }
      pending.add(deadLetters.reject(record, name + ": " + reason));
      reported.merge(tp, record.offset() + 1, Math::max);
    }

    /** Waits until every dead letter of the batch is durable; throws the first failure. */
    public void awaitDurable() throws Exception {
      if (pending.isEmpty()) {
        return;
      }
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
          .get(DEAD_LETTER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Starts reading from where {@code storedPosition} says per partition (null: from the beginning). */
  public void start(String bootstrapServers, List<String> topicNames,
      Function<TopicPartition, Long> storedPosition) {
    var props = KafkaConfigs.consumer(bootstrapServers, null, name);
    // Data ends a fetch at once; the wait only sets how often an idle reader's fetch comes back empty. A
    // reader never pauses or joins a group, so no partition waits behind a held fetch (a group member's
    // newly assigned or resumed partition would: those keep KafkaConfigs' 500 ms).
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) IDLE_FETCH_WAIT.toMillis());
    if (reportedGroup != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, reportedGroup); // Only for the bookmark's commits: assign(), no join.
    }
    consumer = new KafkaConsumer<>(props);
    Map<TopicPartition, Long> ends;
    try {
      ends = assignAll(topicNames, storedPosition);
    } catch (RuntimeException e) {
      consumer.close(); // Nothing runs yet: the caller's start fails with this.
      throw e;
    }
    running = true;
    thread = new Thread(() -> run(ends), name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Assigns every partition of the topics, seeks each to its start and returns the end offsets. */
  private Map<TopicPartition, Long> assignAll(List<String> topicNames, Function<TopicPartition, Long> storedPosition) {
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : topicNames) {
      for (PartitionInfo p : consumer.partitionsFor(topic)) {
        partitions.add(new TopicPartition(topic, p.partition()));
      }
    }
    consumer.assign(partitions);
    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
    for (TopicPartition tp : partitions) {
      seek(tp, storedPosition.apply(tp));
    }
    if (reportedGroup != null) {
      consumer.committed(new java.util.HashSet<>(partitions)).forEach((tp, om) -> {
        if (om != null) {
          reportedUpTo.put(tp, om.offset());
        }
      });
    }
    return ends;
  }

  private void seek(TopicPartition tp, Long position) {
    if (position == null) {
      consumer.seekToBeginning(List.of(tp));
    } else {
      consumer.seek(tp, position);
    }
  }

  private void run(Map<TopicPartition, Long> ends) {
    Map<TopicPartition, Long> remaining = new HashMap<>(ends);
    remaining.values().removeIf(end -> end == 0);
    int failures = 0;
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> records = ConsumerRecords.empty();
        try {
          // poll returns as soon as records arrive; the timeout only bounds idle wake-ups (and, until the
          // reader caught up, how soon it notices that it has: a poll past the end returns nothing).
          records = consumer.poll(caughtUp.getCount() > 0 ? pollTimeout : IDLE_POLL);
          if (!records.isEmpty()) {
            Rejects rejects = new Rejects();
            sink.apply(records, rejects);
            bookmark(rejects.reported);
          }
          failures = 0;
        } catch (WakeupException e) {
          throw e;
        } catch (Exception e) {
          failures++;
          FailureKind kind = FailureKind.classify(e);
          // A retriable failure (Kafka unreachable for a dead letter) is the environment's, not the
          // batch's: wait it out however long it lasts. Anything else escaping the sink is a bug that
          // would fail the same way forever: a few tries, then stop and say so.
          if (kind == FailureKind.FATAL || kind != FailureKind.RETRIABLE && failures >= MAX_BATCH_ATTEMPTS) {
            fatalFailure = (failures >= MAX_BATCH_ATTEMPTS ? "failing " + failures + " times in a row: " : "")
                + FailureKind.describe(e);
            LOG.error("{} stopped (not ready): {}", name, fatalFailure, e);
            return;
          }
          long backoffMs = Math.min(MAX_BACKOFF_MS, 200L << Math.min(failures, 16));
          LOG.warn("{}: {}; reading the batch again in {} ms", name, FailureKind.describe(e), backoffMs);
          for (TopicPartition tp : records.partitions()) {
            // Back to where this batch started: the sink stored nothing of it (positions go with the data).
            consumer.seek(tp, records.records(tp).get(0).offset());
          }
          Thread.sleep(backoffMs); // This reader's own thread.
        }
        if (caughtUp.getCount() > 0) {
          remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
          if (remaining.isEmpty()) {
            caughtUp.countDown();
          }
        }
      }
    } catch (WakeupException e) {
      // stop()
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable e) { // An Error out of the loop: stop visibly rather than die silently.
      fatalFailure = "the read loop died: " + FailureKind.describe(e);
      LOG.error("{} stopped (not ready): {}", name, fatalFailure, e);
    } finally {
      // Nothing to wait for: bookmarks are committed synchronously, and a graceful close would queue its
      // fetch-session close behind the fetch the broker still holds (up to IDLE_FETCH_WAIT).
      consumer.close(Duration.ZERO);
      running = false;
    }
  }

  /** Moves the bookmark past the poison just reported; a failed commit only means it may be reported again. */
  private void bookmark(Map<TopicPartition, Long> reported) {
    if (reported.isEmpty()) {
      return;
    }
    reported.forEach((tp, next) -> reportedUpTo.merge(tp, next, Math::max));
    if (reportedGroup == null) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> marks = new HashMap<>();
    reported.forEach((tp, next) -> marks.put(tp, new OffsetAndMetadata(reportedUpTo.get(tp))));
    try {
      consumer.commitSync(marks);
    } catch (RuntimeException e) {
      LOG.warn("{}: could not bookmark reported poison ({}); it may be reported again", name, e.toString());
    }
  }

  /**
   * Waits until everything that was in the topics at start has been applied; false when the timeout
   * passed first, or at once when the reader stopped before it caught up (see {@link #fatalFailure()}).
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return Readiness.waitFor(timeout, () -> caughtUp.getCount() == 0, this::stoppedBecause);
  }

  /** Null while the loop runs; once it ended, why (its fatal failure, or "stopped"). */
  public String stoppedBecause() {
    return running ? null : fatalFailure != null ? fatalFailure : "stopped";
  }

  public boolean isRunning() {
    return running;
  }

  /** Running, caught up with what was there at start, and not stopped by a failure. */
  public boolean isReady() {
    return running && fatalFailure == null && caughtUp.getCount() == 0;
  }

  /** Why the reader stopped, or null. */
  public String fatalFailure() {
    return fatalFailure;
  }

  /** Wakes the loop and waits for it to close the consumer; returns false if it was not running. */
  public boolean stop() {
    if (!running) {
      return false;
    }
    running = false;
    ConsumerThreads.wakeAndJoin(consumer, thread, Duration.ofSeconds(10));
    return true;
  }
}
