package dev.fusion.common.kafka;

import dev.fusion.common.Service;
import dev.fusion.common.metrics.FusionMetrics;
import dev.fusion.management.ManagementSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.tracing.StageSpan;
import dev.fusion.common.tracing.Tracing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-process-write loop every async stage shares (panel worker, judge caller, synthesizer, reply
 * forwarder).
 *
 * <p>A dedicated thread owns the consumer. Each polled record is handed to a {@link RecordHandler}
 * whose work runs elsewhere (Vert.x, the producer); completions come back through a queue. Per
 * partition an {@link OffsetTracker} yields the highest contiguous finished offset, and only that is
 * committed. In-flight records are capped: at the cap, or while {@code saturated} says the model
 * gateway is full, every assigned partition is paused, so memory stays bounded and Kafka holds the
 * backlog.
 *
 * <p>Failures follow {@link FailureKind}:
 * <ul>
 *   <li>poison (undeserializable or off-contract, an output too large, a non-Kafka error of the
 *       handler): the record goes to the dead letters with the reason and counts as finished once the
 *       dead letter is durable, so the partition moves on and nothing is lost;
 *   <li>retriable (an output that timed out, a broker unavailable): the record alone is handled again
 *       after a backoff while the rest of the partition goes on (its offset is not committed past it);
 *       after {@code maxAttempts} failed attempts it is poison (failures while Kafka is known to be
 *       unreachable do not count, see {@link #attemptsPausedWhile}). Attempts survive a consumer reopen (kept
 *       in memory) and a restart or a move to another instance (kept in the commit's metadata, see
 *       {@link #ATTEMPTS_METADATA});
 *   <li>fatal (authorization, a fenced producer, misconfiguration): the worker commits what is
 *       finished, stops and reports not ready, with the reason ({@link #fatalFailure()}).
 * </ul>
 * A failure of the consumer itself (poll, commit) that is not fatal closes it without committing
 * unfinished work and reopens it after a backoff, replaying from the last commit.
 */
public final class AsyncConsumerWorker<V> implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(AsyncConsumerWorker.class);
  private static final Duration POLL = Duration.ofMillis(20);
  private static final long POLL_NANOS = POLL.toNanos();
  /**
   * The poll while nothing is in flight or waiting: no completion can come back then, and a record that
   * arrives (or stop()'s wakeup) ends the poll at once, so waking more often only burned an idle
   * worker's CPU. What it can delay: the last commit after work finished, and a revocation queued for
   * an idle member (a rebalance step runs on the member's next poll).
   */
  private static final Duration IDLE_POLL = Duration.ofSeconds(1);
  private static final long COMMIT_EVERY_MS = 200;
  /**
   * The longest wait before a record's next attempt or a consumer's reopening. Short: after an outage
   * the waiting records are what delays recovery (each failed send already took the send timeout).
   */
  private static final long MAX_BACKOFF_MS = 5_000;
  /** Attempts of a record that keeps failing retriably before it is dead-lettered. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  /**
   * Commit metadata {@code fusion.attempts=<offset>:<n>}: the partition's first unfinished record (the
   * committed offset) failed n times. Read back when a partition is assigned, so the count survives a
   * restart and a move to another instance.
   */
  static final String ATTEMPTS_METADATA = "fusion.attempts=";
  /** Attempt counts kept in memory (positions of records that failed and are not finished yet). */
  private static final int ATTEMPTS_REMEMBERED = 10_000;

  private final String name;
  private final TopicSpec<String, V> topic;
  private final Properties consumerProps;
  private final RecordHandler<V> handler;
  private final DeadLetters deadLetters;
  private final int maxInFlight;
  private final BooleanSupplier saturated;
  private Duration drainTimeout = ManagementSettings.drainTimeout(ManagementSettings.shutdownTimeoutFromEnv());
  private Duration startTimeout = KafkaConfigs.startTimeout();
  private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
  private long retryBackoffMs = 500;
  private BooleanSupplier kafkaKnownUnreachable = () -> false;
  private FusionMetrics metrics;
  private String stage;
  private Tracing tracing = Tracing.OFF;
  private String spanName;
  /** Time per handled record; null while not metered. */
  private Timer stageDuration;
  private Gauge inFlightGauge;
  /** The current consumer's client metrics; consumer thread only. */
  private KafkaClientMetrics consumerMetrics;

  private final ConcurrentLinkedQueue<Completion> completions = new ConcurrentLinkedQueue<>();
  /** Polled but not yet started (a poll may return more than the cap allows); bounded by max.poll.records. */
  private final java.util.ArrayDeque<ConsumerRecord<byte[], byte[]>> waiting = new java.util.ArrayDeque<>();
  /** In flight and waiting for their next attempt (or their dead letter's), earliest first. */
  private final PriorityQueue<Retry> retries = new PriorityQueue<>(Comparator.comparingLong(Retry::dueMs));
  private final Map<TopicPartition, OffsetTracker> trackers = new HashMap<>();
  private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
  /** Failed attempts per record position; consumer thread only. */
  private final Map<Position, Integer> attempts = new LinkedHashMap<>(64, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Position, Integer> eldest) {
      return size() > ATTEMPTS_REMEMBERED;
    }
  };
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CountDownLatch assigned = new CountDownLatch(1);
  private volatile boolean running;
  private volatile boolean ready;
  private volatile int restarts;
  private volatile String fatalFailure;
  private Thread thread;
  private KafkaConsumer<byte[], byte[]> consumer;
  /** Bumped at every consumer restart; completions of an earlier incarnation are ignored. */
  private int epoch;
  private long lastCommitMs;
  private boolean paused;
  private long lastPollNanos;

  private record Position(TopicPartition partition, long offset) {
    static Position of(ConsumerRecord<?, ?> r) {
      return new Position(new TopicPartition(r.topic(), r.partition()), r.offset());
    }
  }

  /**
   * A finished attempt: of the handler ({@code rejection} null) or of a dead letter sent for
   * {@code rejection}; {@code error} null when it succeeded.
   */
  private record Completion(int epoch, ConsumerRecord<byte[], byte[]> record, Throwable error, String rejection,
      int deadLetterFailures) {}

  /** A record to handle again, or whose dead letter to send again ({@code rejection} not null), at {@code dueMs}. */
  private record Retry(long dueMs, ConsumerRecord<byte[], byte[]> record, String rejection, int deadLetterFailures) {}

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

  /** How many times a record that keeps failing retriably is tried before it is dead-lettered. */
  public AsyncConsumerWorker<V> maxAttempts(int attempts) {
    this.maxAttempts = Math.max(1, attempts);
    return this;
  }

  /**
   * While this says Kafka is unreachable, a retriable failure does not count as an attempt: an outage
   * fails every record alike, none of them is to blame, and a long one must delay records, not
   * dead-letter them. (The probe is {@link KafkaReachability}; a failure takes the send timeout to
   * come, by which time the probe has seen the outage.)
   */
  public AsyncConsumerWorker<V> attemptsPausedWhile(BooleanSupplier kafkaKnownUnreachable) {
    this.kafkaKnownUnreachable = kafkaKnownUnreachable;
    return this;
  }

  /**
   * Publishes this worker's meters under {@code stage}: {@code fusion_worker_in_flight}, the time from a
   * record's dispatch to its outputs being acknowledged ({@code fusion_stage_duration_seconds}), and its
   * consumer's Kafka client metrics. Call before {@link #start()}.
   */
  public AsyncConsumerWorker<V> metered(FusionMetrics metrics, String stage) {
    this.metrics = metrics;
    this.stage = stage;
    this.stageDuration = metrics.stageDuration(stage);
    return this;
  }

  /** The first retry's delay; it doubles per attempt up to 5 s. */
  public AsyncConsumerWorker<V> retryBackoff(Duration backoff) {
    this.retryBackoffMs = Math.max(1, backoff.toMillis());
    return this;
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

  /** How long {@link #start()} waits for the first assignment (default {@link KafkaConfigs#startTimeout()}). */
  public AsyncConsumerWorker<V> startTimeout(Duration timeout) {
    this.startTimeout = timeout;
    return this;
  }

  /**
   * Starts the consumer thread and returns once the group gave this worker its first assignment: from
   * then on it reports ready. That assignment may be empty (a group with more members than partitions
   * leaves some idle): such a member is ready, as a standby that takes partitions over when another
   * leaves. Throws, stopped, when the loop failed fatally first or no assignment came within the start
   * timeout.
   */
  @Override
  public void start() {
    running = true;
    if (metrics != null) {
      inFlightGauge = metrics.inFlightGauge(stage, inFlight, AtomicInteger::get);
    }
    thread = new Thread(this::runWithRestarts, name + "-consumer");
    thread.setDaemon(true);
    thread.start();
    try {
      Readiness.require(name, startTimeout, this::isReady,
          () -> fatalFailure != null ? fatalFailure : running ? null : "the consumer loop ended");
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
  }

  /** Waits until the group gave this worker its partitions (useful in tests and dev start-up). */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * True from the first assignment of the current consumer (see {@link #start()}) until it fails or the
   * worker stops; false while a failed consumer is being reopened and after a fatal failure.
   */
  @Override
  public boolean isReady() {
    return ready && running && fatalFailure == null;
  }

  /** Why the worker stopped on a fatal failure, or null while it has not. */
  public String fatalFailure() {
    return fatalFailure;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public boolean isPaused() {
    return paused;
  }

  /** How often the consumer was reopened after a failure of the consumer itself. */
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
    if (metrics != null) {
      metrics.remove(inFlightGauge); // A successor of this stage in the process registers its own.
    }
  }

  private void runWithRestarts() {
    try {
      runWithRestartsUnguarded();
    } catch (Throwable e) { // An Error out of the loop itself: stop visibly rather than die silently.
      fatal("the consumer loop died", e);
    } finally {
      running = false;
      ready = false;
    }
  }

  private void runWithRestartsUnguarded() {
    long backoffMs = 500;
    while (running) {
      consumer = new KafkaConsumer<>(consumerProps);
      if (metrics != null) {
        consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(metrics.registry());
      }
      boolean failed;
      try {
        failed = runOnce();
      } finally {
        if (consumerMetrics != null) {
          consumerMetrics.close();
          consumerMetrics = null;
        }
      }
      if (!failed || !running || fatalFailure != null) {
        break;
      }
      restarts++;
      epoch++;
      inFlight.set(0);
      trackers.clear();
      committed.clear();
      completions.clear();
      waiting.clear();
      retries.clear();
      paused = false;
      ready = false;
      LOG.warn("{}: reopening the consumer in {} ms; unfinished work will be replayed", name, backoffMs);
      try {
        Thread.sleep(backoffMs); // Backoff between reconnects of this worker's own thread.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }

  /** One consumer incarnation; returns true when it ended on a failure of the consumer that is worth a reopen. */
  private boolean runOnce() {
    boolean failed = false;
    TrackedRebalanceListener rebalances = new TrackedRebalanceListener(new Rebalance());
    try {
      consumer.subscribe(List.of(topic.name()), rebalances);
      while (running && fatalFailure == null) {
        drainCompletions();
        startDueRetries();
        dispatchWithinCap();
        applyBackpressure();
        pollWithinInterval();
        dispatchWithinCap();
        maybeCommit(false);
      }
      if (fatalFailure == null) {
        finishInFlight();
      }
    } catch (WakeupException e) {
      try {
        finishInFlight(); // stop() asked us to leave the poll.
      } catch (RuntimeException failure) {
        failed = true;
        LOG.error("{}: stage failed while stopping; unfinished work will be replayed", name, failure);
      }
    } catch (RuntimeException e) {
      failed = true;
      ready = false; // Until a reopened consumer has its assignment again.
      if (FailureKind.classify(e) == FailureKind.FATAL) {
        fatal("the consumer failed", e);
      } else {
        LOG.error("{}: consumer failure; closing without committing unfinished work", name, e);
      }
    } finally {
      try {
        if (!failed) {
          drainCompletions();
          maybeCommit(true); // Finished work only, also after a fatal failure.
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: final commit failed; unfinished work will be replayed", name, e);
      }
      ConsumerThreads.close(consumer, rebalances, Duration.ofSeconds(5), name);
    }
    return failed;
  }

  /** Stops the worker for good: it reports not ready, and says why (logged once). */
  private void fatal(String what, Throwable error) {
    if (fatalFailure != null) {
      return;
    }
    fatalFailure = what + ": " + FailureKind.describe(error);
    ready = false;
    LOG.error("{}: fatal failure, stopping (not ready): {}", name, fatalFailure, FailureKind.unwrap(error));
  }

  /**
   * Polls for records; while every partition is paused, it waits out the rest of the poll interval and
   * then polls without waiting (rebalance callbacks run inside poll). The group protocol's consumer spins
   * inside a waiting poll while it holds fetched data of paused partitions (KAFKA-21084): at 1,000 jobs/s
   * that was about 0.5 CPU ms per job across the workers. Completions that arrive meanwhile are handled
   * together at the end of the interval, as after a waiting poll: waking on each one instead dispatched
   * records one by one under load, in smaller producer batches, and measured slower (BENCHMARKS.md).
   */
  private void pollWithinInterval() {
    long sinceLastPoll = System.nanoTime() - lastPollNanos;
    if (paused && sinceLastPoll < POLL_NANOS) {
      LockSupport.parkNanos(this, POLL_NANOS - sinceLastPoll);
      return;
    }
    lastPollNanos = System.nanoTime();
    Duration timeout = paused ? Duration.ZERO : inFlight.get() == 0 && waiting.isEmpty() ? IDLE_POLL : POLL;
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
      waiting.add(record);
    }
  }

  /**
   * A graceful stop takes no new records but lets running work finish (up to a limit), so its offsets
   * are committed and nothing is redone by the next owner of the partitions. Records waiting for a
   * retry are left to be replayed.
   */
  private void finishInFlight() {
    long deadline = System.currentTimeMillis() + drainTimeout.toMillis();
    consumer.pause(consumer.assignment());
    paused = true;
    while (inFlight.get() - retries.size() > 0 && fatalFailure == null && System.currentTimeMillis() < deadline) {
      drainCompletions();
      try {
        pollWithinInterval(); // Paused: nothing is returned, rebalance callbacks still run.
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
    attempt(record);
  }

  /**
   * Spans of this worker's work as {@code spanName}, one per attempt at a record, ended when the handler's
   * work is done; a child of the record's trace. Call before {@link #start()}.
   */
  public AsyncConsumerWorker<V> traced(Tracing tracing, String spanName) {
    this.tracing = tracing;
    this.spanName = spanName;
    return this;
  }

  /** One attempt at a record (first or retry); its outcome comes back as a {@link Completion}. */
  private void attempt(ConsumerRecord<byte[], byte[]> record) {
    int myEpoch = epoch;
    V value;
    try {
      value = topic.valueSerde().deserializer().deserialize(record.topic(), record.headers(), record.value());
      if (value == null) {
        throw new SerializationException("a record without a value");
      }
    } catch (RuntimeException e) {
      deadLetter(record, "undeserializable " + record.topic() + " record: " + FailureKind.describe(e));
      return;
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    Timer timer = stageDuration;
    long startedNanos = timer == null ? 0 : System.nanoTime();
    // The handler starts its work with its span's trace current and the job's fields in the MDC. (Not
    // exported, the span is the record's trace continued: JobTrace.received, as without tracing.)
    StageSpan span = tracing.exporting() ? tracing.start(spanName, JobTrace.fromHeaders(record.headers()), key)
        : JobTrace.received(record.headers());
    span.trace().enter(key);
    try {
      handler.handle(key, value)
          .whenComplete((ok, error) -> {
            if (timer != null && error == null) {
              timer.record(System.nanoTime() - startedNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
            span.end(error);
            completions.add(new Completion(myEpoch, record, error, null, 0));
          });
    } catch (RuntimeException e) {
      span.end(e);
      completions.add(new Completion(myEpoch, record, e, null, 0));
    } finally {
      JobTrace.exit();
    }
  }

  /** Sends the record to the dead letters; it is finished once the letter is durable. Never waits here. */
  private void deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
    sendDeadLetter(record, name + ": " + reason, 0);
  }

  private void sendDeadLetter(ConsumerRecord<byte[], byte[]> record, String rejection, int failedBefore) {
    int myEpoch = epoch;
    try {
      deadLetters.reject(record, rejection).whenComplete(
          (ok, error) -> completions.add(new Completion(myEpoch, record, error, rejection, failedBefore)));
    } catch (RuntimeException e) {
      completions.add(new Completion(myEpoch, record, e, rejection, failedBefore));
    }
  }

  private void drainCompletions() {
    Completion c;
    while ((c = completions.poll()) != null) {
      if (c.epoch != epoch) {
        continue; // Work of an earlier consumer incarnation; its records are being replayed.
      }
      if (c.error == null || !trackers.containsKey(Position.of(c.record).partition())) {
        finish(c.record); // Done, or of a partition given away: its new owner replays what is unfinished.
      } else if (c.rejection != null) {
        deadLetterFailed(c);
      } else {
        handlerFailed(c.record, c.error);
      }
    }
  }

  private void handlerFailed(ConsumerRecord<byte[], byte[]> record, Throwable error) {
    Position at = Position.of(record);
    switch (FailureKind.classify(error)) {
      case FATAL -> fatal("processing " + at.partition() + "@" + at.offset(), error);
      case POISON -> deadLetter(record, "processing failed: " + FailureKind.describe(error));
      case RETRIABLE -> {
        boolean outage = kafkaKnownUnreachable.getAsBoolean();
        int failed = outage ? Math.max(1, attempts.getOrDefault(at, 0)) : attempts.merge(at, 1, Integer::sum);
        if (!outage && failed >= maxAttempts) {
          deadLetter(record, "still failing after " + failed + " attempts: " + FailureKind.describe(error));
        } else {
          LOG.warn("{}: {}@{} failed ({}), retrying: {}", name, at.partition(), at.offset(),
              outage ? "Kafka is unreachable: not counted" : "attempt " + failed + " of " + maxAttempts,
              FailureKind.describe(error));
          retries.add(new Retry(System.currentTimeMillis() + backoff(failed), record, null, 0));
        }
      }
    }
  }

  /**
   * A dead letter that could not be written. It cannot fail for size ({@link DeadLetterPublisher}), so
   * only an outage or a fatal condition stops it: it is sent again, with backoff, until it is durable;
   * the record stays unfinished (not committed) meanwhile.
   */
  private void deadLetterFailed(Completion c) {
    if (FailureKind.classify(c.error) == FailureKind.FATAL) {
      fatal("dead-lettering " + Position.of(c.record), c.error);
      return;
    }
    int failures = c.deadLetterFailures + 1;
    LOG.warn("{}: dead letter of {} failed ({} times), sending it again: {}", name, Position.of(c.record), failures,
        FailureKind.describe(c.error));
    retries.add(new Retry(System.currentTimeMillis() + backoff(failures), c.record, c.rejection, failures));
  }

  private long backoff(int failedAttempts) {
    return Math.min(MAX_BACKOFF_MS, retryBackoffMs << Math.min(16, failedAttempts - 1));
  }

  private void startDueRetries() {
    long now = System.currentTimeMillis();
    while (!retries.isEmpty() && retries.peek().dueMs() <= now) {
      Retry r = retries.poll();
      if (r.rejection() == null) {
        attempt(r.record());
      } else {
        sendDeadLetter(r.record(), r.rejection(), r.deadLetterFailures());
      }
    }
  }

  private void finish(ConsumerRecord<byte[], byte[]> record) {
    inFlight.decrementAndGet();
    Position at = Position.of(record);
    attempts.remove(at);
    OffsetTracker tracker = trackers.get(at.partition());
    if (tracker != null) {
      tracker.finished(record.offset());
    }
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
      OffsetAndMetadata position = commitPosition(entry.getKey(), entry.getValue());
      if (position != null && !position.equals(committed.get(entry.getKey()))) {
        offsets.put(entry.getKey(), position);
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      commitSync(offsets);
      committed.putAll(offsets);
    } else {
      consumer.commitAsync(offsets, (done, error) -> {
        if (error == null) {
          committed.putAll(done);
        } else {
          LOG.debug("{}: async commit failed, will retry: {}", name, error.toString());
        }
      });
    }
  }

  /**
   * Commits, a second time if {@link #stop()}'s wakeup lands on the first: the wakeup only asks the loop to
   * leave {@code poll}, which it is doing already (the exception consumes it), and losing the commit would
   * replay finished work.
   */
  private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    try {
      consumer.commitSync(offsets);
    } catch (WakeupException stopping) {
      consumer.commitSync(offsets);
    }
  }

  /**
   * What to commit for a partition: one past its finished prefix; or, when its first unfinished record
   * has failed attempts, that record's offset with the count in the metadata (everything before it is
   * finished, so this commits no less).
   */
  private OffsetAndMetadata commitPosition(TopicPartition tp, OffsetTracker tracker) {
    long first = tracker.firstUnfinished();
    Integer failed = first < 0 ? null : attempts.get(new Position(tp, first));
    if (failed != null) {
      return new OffsetAndMetadata(first, ATTEMPTS_METADATA + first + ":" + failed);
    }
    long next = tracker.committable();
    return next < 0 ? null : new OffsetAndMetadata(next);
  }

  /** Takes over the attempt counts a previous owner (or incarnation) committed with the partitions. */
  private void restoreAttempts(Collection<TopicPartition> partitions) {
    try {
      consumer.committed(new HashSet<>(partitions)).forEach((tp, om) -> {
        if (om == null || om.metadata() == null || !om.metadata().startsWith(ATTEMPTS_METADATA)) {
          return;
        }
        String[] parts = om.metadata().substring(ATTEMPTS_METADATA.length()).split(":");
        long offset = Long.parseLong(parts[0]);
        if (parts.length == 2 && offset == om.offset()) {
          attempts.merge(new Position(tp, offset), Integer.parseInt(parts[1]), Math::max);
        }
      });
    } catch (RuntimeException e) {
      // Counting starts again from what this process remembers; attempts stay bounded either way.
      LOG.debug("{}: committed attempt counts unreadable: {}", name, e.toString());
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Commit what is finished; unfinished records of these partitions will be replayed by the new
      // owner (outputs are idempotent, so finishing them here too is harmless).
      drainCompletions();
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (TopicPartition tp : partitions) {
        OffsetTracker tracker = trackers.get(tp);
        OffsetAndMetadata position = tracker == null ? null : commitPosition(tp, tracker);
        if (position != null) {
          offsets.put(tp, position);
        }
      }
      try {
        if (!offsets.isEmpty()) {
          commitSync(offsets);
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
      if (!partitions.isEmpty()) {
        restoreAttempts(partitions);
      }
      ready = true; // Also after an empty first assignment (see start()).
      assigned.countDown();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      forget(partitions);
    }

    private void forget(Collection<TopicPartition> partitions) {
      // Records polled but never started are simply polled again by the next owner, and so are records
      // waiting for a retry; running ones finish and are then dropped (see drainCompletions).
      waiting.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
      int before = retries.size();
      retries.removeIf(r -> partitions.contains(new TopicPartition(r.record().topic(), r.record().partition())));
      inFlight.addAndGet(retries.size() - before);
      partitions.forEach(tp -> {
        trackers.remove(tp);
        committed.remove(tp);
      });
    }
  }
}
