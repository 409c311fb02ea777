package dev.fusion.ingress.view;

import dev.fusion.common.Service;
import dev.fusion.common.config.FusionConfig;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.kafka.DeadLetters;
import dev.fusion.common.kafka.FailureKind;
import dev.fusion.common.kafka.TopicReader;
import dev.fusion.common.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local view of every job, materialized from the jobs, events and results topics. Every ingress
 * instance reads all partitions (no consumer group), so any instance answers any poll. Three parts: the
 * rules ({@link JobStateMachine}: a record and a job's state in, the next state and what to write out),
 * the database ({@link JobsStore}: key layout, reads, atomic writes with the topic positions, so a
 * restart resumes exactly where it stopped and a missing directory is rebuilt from the topics), and this
 * service, which feeds polled records through the rules into the store and tells live listeners.
 */
public final class JobsView implements Service {
  private static final Logger LOG = LoggerFactory.getLogger(JobsView.class);
  /** How many jobs' statuses the view remembers, so the rules can decide an event without a read. */
  private static final int STATUSES_REMEMBERED = 50_000;

  private final FusionConfig config;
  private final Topics topics;
  private final Path dir;
  private final TopicMaterializer materializer;
  private final JobStateMachine machine;
  private final ConcurrentHashMap<String, CopyOnWriteArrayList<JobListener>> listeners = new ConcurrentHashMap<>();
  private JobsStore store;
  /**
   * The status of recently folded jobs, as stored (updated only after a write succeeded). It is what
   * {@link JobStateMachine#apply} gets as {@code known}: for an event of a started job (11 of a job's
   * ~12 events) that decides the step, and the job's state is neither read nor rewritten. Used by the
   * materializer thread only.
   */
  private final Map<String, JobStatus> statuses = new LinkedHashMap<>(1_024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, JobStatus> eldest) {
      return size() > STATUSES_REMEMBERED;
    }
  };

  public JobsView(FusionConfig config, Topics topics, DeadLetters deadLetters, Path dir) {
    this(config, topics, deadLetters, dir, Duration.ofDays(7));
  }

  /**
   * @param deadLetters where records the view cannot read go (with the reason)
   * @param retention how long finished jobs are kept (see {@link Retention}); records of jobs older than
   *     this plus a day that the view does not hold are ignored
   */
  public JobsView(FusionConfig config, Topics topics, DeadLetters deadLetters, Path dir, Duration retention) {
    this.config = config;
    this.topics = topics;
    this.dir = dir;
    this.machine = new JobStateMachine(retention.toMillis() + Duration.ofDays(1).toMillis());
    this.materializer = new TopicMaterializer("ingress-view", Duration.ofMillis(50), deadLetters,
        config.topicPrefix() + "fusion-ingress-view.poison-reported", this::apply);
  }

  @Override
  public String name() {
    return "jobs-view";
  }

  @Override
  public void start() throws Exception {
    store = JobsStore.open(dir, topics);
    materializer.start(config.bootstrapServers(),
        List.of(topics.jobs().name(), topics.events().name(), topics.results().name()), store.db());
  }

  /** Waits until the view has read everything that was in the topics when it started. */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return materializer.awaitCaughtUp(timeout);
  }

  /**
   * Folds one polled batch into the store. A record the view cannot read (no key, no value where the
   * topic has no tombstones, not a valid job, event or result) is poison: reported and skipped, and its
   * dead letter is durable before the positions that pass it are stored.
   */
  private void apply(ConsumerRecords<byte[], byte[]> records, TopicReader.Rejects rejects) throws Exception {
    long now = System.currentTimeMillis();
    // Final state per job in this batch; a null value means the job was deleted (a results tombstone).
    Batch states = new Batch();
    try (JobsStore.Writes writes = store.writes()) {
      for (ConsumerRecord<byte[], byte[]> r : records) {
        if (r.key() == null) {
          rejects.reject(r, "a record without a key (job ID)");
          continue;
        }
        boolean results = r.topic().equals(topics.results().name());
        if (r.value() == null && !results) {
          rejects.reject(r, "a record without a value (only results have tombstones)");
          continue;
        }
        String jobId = new String(r.key(), StandardCharsets.UTF_8);
        try {
          JobStateMachine.Step step = machine.apply(jobId, states.known(jobId), states, record(r, results), now);
          if (step.appendEvent()) {
            writes.appendEvent(jobId, r.offset(), r.value());
          }
          if (step.storeResult()) {
            writes.putResult(jobId, r.value());
          }
          switch (step.change()) {
            case UPDATE -> {
              writes.index(step);
              states.touched.put(jobId, step.next());
            }
            case DELETE -> {
              writes.delete(step.previous());
              states.touched.put(jobId, null);
            }
            case NONE -> {
              if (step.note() != null) {
                LOG.warn("ignoring a record: {}", step.note());
              }
            }
          }
        } catch (RuntimeException e) {
          if (e.getCause() instanceof RocksDBException) {
            throw e; // The store, not the record: the reader reads the batch again.
          }
          rejects.reject(r, "unreadable record: " + FailureKind.describe(e));
        }
      }
      for (JobView view : states.touched.values()) {
        if (view != null) {
          writes.putState(view);
        }
      }
      rejects.awaitDurable();
      writes.positions(records);
      writes.commit();
    }
    // Only once stored: until then a failed write could leave a job's state behind what this says.
    states.touched.forEach((jobId, view) -> {
      if (view == null) {
        statuses.remove(jobId);
      } else {
        statuses.put(jobId, view.status());
      }
    });
    if (!listeners.isEmpty()) {
      notifyListeners(records);
    }
  }

  /** What the rules know of the jobs of one batch: its own changes first, then the store. */
  private final class Batch implements JobStateMachine.States {
    final Map<String, JobView> touched = new HashMap<>();

    /** The status the rules may decide on without a read; null when it takes the state. */
    JobStatus known(String jobId) {
      if (touched.containsKey(jobId)) {
        JobView view = touched.get(jobId);
        return view == null ? null : view.status();
      }
      return statuses.get(jobId);
    }

    @Override
    public JobView state(String jobId) {
      return touched.containsKey(jobId) ? touched.get(jobId) : store.state(jobId);
    }
  }

  /** A record as the rules read it: the job, an event's header, a result's header, or a tombstone. */
  private JobStateMachine.JobRecord record(ConsumerRecord<byte[], byte[]> r, boolean results) {
    if (results) {
      return r.value() == null ? JobStateMachine.Tombstone.INSTANCE : JobStateMachine.Result.of(r.value());
    }
    if (r.topic().equals(topics.events().name())) {
      return JobStateMachine.Event.of(r.value());
    }
    return new JobStateMachine.Submitted(topics.jobs().valueSerde().deserializer().deserialize(r.topic(), r.value()));
  }

  /** Live events and results reach listeners only after they are stored, so a replay never misses one. */
  private void notifyListeners(Iterable<ConsumerRecord<byte[], byte[]>> records) {
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.key() == null || r.value() == null) {
        continue;
      }
      var subscribed = listeners.get(new String(r.key(), StandardCharsets.UTF_8));
      if (subscribed == null) {
        continue;
      }
      try {
        if (r.topic().equals(topics.events().name())) {
          FusionEvent event = topics.events().valueSerde().deserializer().deserialize(r.topic(), r.value());
          subscribed.forEach(l -> l.onEvent(event, r.offset()));
        } else if (r.topic().equals(topics.results().name())) {
          FusionResult result = topics.results().valueSerde().deserializer().deserialize(r.topic(), r.value());
          subscribed.forEach(l -> l.onResult(result));
        }
      } catch (RuntimeException e) {
        LOG.warn("listener of {} failed: {}", r.topic(), e.toString());
      }
    }
  }

  /** Follows one job live; returns a handle that unsubscribes. */
  public AutoCloseable subscribe(String jobId, JobListener listener) {
    listeners.computeIfAbsent(jobId, k -> new CopyOnWriteArrayList<>()).add(listener);
    return () -> listeners.computeIfPresent(jobId, (k, list) -> {
      list.remove(listener);
      return list.isEmpty() ? null : list;
    });
  }

  /**
   * Records a job this instance just accepted, so a poll right after the 202 finds it: the job record,
   * folded by the same rules before the topic brings it back.
   */
  public void accepted(FusionJob job) {
    try {
      JobStateMachine.Step step = machine.apply(job.jobId(), null, store::state, new JobStateMachine.Submitted(job),
          System.currentTimeMillis());
      if (step.change() == JobStateMachine.Change.UPDATE) {
        write(step);
      }
    } catch (RocksDBException | RuntimeException e) {
      LOG.warn("cannot record accepted job {} locally; it will appear when the view reads it", job.jobId(), e);
    }
  }

  /** Writes a state this instance caused (cancelled) before the topics bring it back. */
  public void recordLocally(JobView next) {
    try {
      write(JobStateMachine.Step.update(store.state(next.jobId()), next, false, false));
    } catch (RocksDBException e) {
      LOG.warn("cannot record job {} locally; it will appear when the view reads it", next.jobId(), e);
    }
  }

  private void write(JobStateMachine.Step step) throws RocksDBException {
    try (JobsStore.Writes writes = store.writes()) {
      writes.index(step);
      writes.putState(step.next());
      writes.commit();
    }
  }

  /** One stored event of a job, with its offset in its partition (the SSE event ID). */
  public record StoredEvent(long offset, FusionEvent event) {}

  /** The job's stored events after {@code afterOffset} (exclusive), in order. */
  public List<StoredEvent> events(String jobId, long afterOffset) {
    return store.events(jobId, afterOffset);
  }

  /** A page of a tenant's jobs, newest first. */
  public record Page(List<JobView> jobs, boolean hasMore) {}

  /**
   * The tenant's jobs, newest first, optionally only those with {@code status}, starting after the job
   * {@code afterJobId} (a cursor from an earlier page; unknown cursors start from the top).
   */
  public Page list(String tenant, JobStatus status, int limit, String afterJobId) {
    return store.list(tenant, status, limit, afterJobId);
  }

  /** The job a tenant's idempotency key names, or null. */
  public String jobForIdempotencyKey(String tenant, String idempotencyKey) {
    return store.jobForIdempotencyKey(tenant, idempotencyKey);
  }

  /**
   * Finished jobs whose completion is before {@code cutoffMs}, oldest first (at most {@code max}),
   * without their results.
   */
  public List<JobView> finishedBefore(long cutoffMs, int max) {
    return store.finishedBefore(cutoffMs, max);
  }

  /** Removes a job and everything indexed for it from this instance's view. */
  public void delete(String jobId) {
    JobView current = store.state(jobId);
    if (current == null) {
      return;
    }
    try (JobsStore.Writes writes = store.writes()) {
      writes.delete(current);
      writes.commit();
    } catch (RocksDBException e) {
      LOG.warn("cannot delete job {} from the view", jobId, e);
    }
  }

  /** The job with its result, if it has one; null if the view does not hold it. */
  public JobView read(String jobId) {
    return store.read(jobId);
  }

  @Override
  public void stop() {
    materializer.stop();
    if (store != null) {
      store.close();
      store = null;
    }
  }

  @Override
  public boolean isReady() {
    return materializer.isReady();
  }
}
