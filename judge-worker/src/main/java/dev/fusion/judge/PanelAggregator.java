package dev.fusion.judge;

import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.tracing.StageSpan;
import dev.fusion.common.tracing.Tracing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aggregates jobs and panel answers by job ID in a persistent store and forwards a {@link PanelSet}
 * once the panel is complete.
 *
 * <p>Deadlines live in an in-memory index ordered by due time, so the wall-clock punctuator reads only
 * what is due instead of scanning every open job. The index is derived data: every deadline follows
 * from the stored state (the job's acceptance time, or the done marker's time), so it is rebuilt from
 * the store when the task starts (Streams initializes a processor only after its stores are restored)
 * and costs no changelog records or disk writes per job.
 */
final class PanelAggregator implements Processor<String, Object, String, PanelSet> {
  static final String STATE_STORE = "panel-state";
  /**
   * The tick while no deadline is within this: every wall-clock punctuation makes Streams commit (a
   * transaction, under exactly-once), so an idle judge ticking every {@code punctuateEvery} committed
   * several times a second for nothing. Deadlines nearer than this get the fast tick.
   */
  static final Duration IDLE_TICK = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(PanelAggregator.class);

  /** What to do when an entry of the due index is reached. */
  enum DueAction { CHECK, PURGE }

  /** A due-index key: ordered by time, then job ID. */
  record Due(long atMs, String jobId) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(atMs, o.atMs);
      return c != 0 ? c : jobId.compareTo(o.jobId);
    }
  }

  private final PanelCompletion completion;
  private final Duration punctuateEvery;
  private final Duration keepDoneMarkers;
  private final Tracing tracing;
  private final NavigableMap<Due, DueAction> due = new TreeMap<>();
  /**
   * The states of this task's open panels as objects, written through to the store: each record of a
   * panel reads its state, and building it from the store's bytes every time was most of this
   * processor's work. Derived data like the due index, so it starts empty with the task.
   */
  private final Map<String, PanelState> open = new java.util.HashMap<>();
  private ProcessorContext<String, PanelSet> context;
  private KeyValueStore<String, PanelState> states;
  private Cancellable ticker;
  private boolean tickingFast;

  PanelAggregator(PanelCompletion completion, Duration punctuateEvery, Duration keepDoneMarkers, Tracing tracing) {
    this.tracing = tracing;
    this.completion = completion;
    this.punctuateEvery = punctuateEvery;
    this.keepDoneMarkers = keepDoneMarkers;
  }

  @Override
  public void init(ProcessorContext<String, PanelSet> context) {
    this.context = context;
    this.states = context.getStateStore(STATE_STORE);
    open.clear();
    rebuildDueIndex();
    ticker = null;
    retick(context.currentSystemTimeMs());
  }

  /** Ticks every {@code punctuateEvery} while the first deadline is near, every {@link #IDLE_TICK} otherwise. */
  private void retick(long now) {
    boolean fast = !due.isEmpty() && due.firstKey().atMs() - now < IDLE_TICK.toMillis();
    if (ticker != null && fast == tickingFast) {
      return;
    }
    if (ticker != null) {
      ticker.cancel();
    }
    tickingFast = fast;
    ticker = context.schedule(fast ? punctuateEvery : IDLE_TICK, PunctuationType.WALL_CLOCK_TIME, this::onTick);
  }

  private void rebuildDueIndex() {
    due.clear();
    try (KeyValueIterator<String, PanelState> it = states.all()) {
      while (it.hasNext()) {
        KeyValue<String, PanelState> e = it.next();
        schedule(e.key, e.value);
      }
    }
  }

  /** Enters the deadlines that follow from one stored state. */
  private void schedule(String jobId, PanelState state) {
    if (state.isDone()) {
      due.put(new Due(state.doneAtMs() + keepDoneMarkers.toMillis(), jobId), DueAction.PURGE);
    } else if (state.job() != null) {
      due.put(new Due(completion.deadlineOf(state), jobId), DueAction.CHECK);
      due.put(new Due(completion.hardDeadlineOf(state), jobId), DueAction.CHECK);
    }
  }

  @Override
  public void process(Record<String, Object> record) {
    String jobId = record.key();
    // Both input topics are keyed by job ID and have no tombstones: anything else is poison, thrown to
    // the processing exception handler, which dead-letters it (StreamsDeadLetters).
    if (jobId == null) {
      throw new IllegalArgumentException("a record without a key (job ID)");
    }
    if (record.value() == null) {
      throw new IllegalArgumentException("a record without a value");
    }
    PanelState state = stateOf(jobId);
    if (state == null) {
      state = PanelState.empty();
    }
    if (state.isDone()) {
      return; // A replayed or late record of a panel already handed to the judge.
    }
    if (state.trace() == null) {
      // The job's trace as its first record brings it, kept for the emit (at a deadline no record is at hand).
      state = state.withTrace(JobTrace.fromHeaders(record.headers()));
    }
    if (record.value() instanceof FusionJob job) {
      if (state.job() != null) {
        return;
      }
      state = state.withJob(job);
      schedule(jobId, state);
      if (!tickingFast) {
        retick(context.currentSystemTimeMs()); // its deadline may be near
      }
    } else if (record.value() instanceof PanelAnswer answer) {
      state = state.withAnswer(answer);
    } else {
      return;
    }
    long now = context.currentSystemTimeMs(); // the stream thread's clock (the test driver's, in tests)
    String kind = completion.check(state, now);
    if (kind != null) {
      emit(jobId, state, kind, now);
    } else {
      states.put(jobId, state);
      open.put(jobId, state);
    }
  }

  private PanelState stateOf(String jobId) {
    PanelState state = open.get(jobId);
    return state != null ? state : states.get(jobId);
  }

  /** Forwards the panel set, its headers continuing the job's trace with the aggregation's own span. */
  private void emit(String jobId, PanelState state, String kind, long now) {
    String tenant = state.job() == null ? null : state.job().tenant();
    // The aggregation's span is the emit (the work before it was a store update per record).
    StageSpan span = tracing.start("fusion.aggregate", Tracing.Kind.INTERNAL, state.trace(), tenant,
        state.trace() == null ? null : state.trace().batchId(), jobId).attribute(Tracing.OUTCOME, kind);
    JobTrace trace = span.trace();
    // The aggregation's one log line about a job is here: the job's fields go in the MDC only for it.
    trace.enter(jobId);
    Throwable failed = null;
    try {
      LOG.debug("aggregation: panel {} with {} of {} answers", kind, state.answers().size(),
          state.job() == null ? 0 : state.job().panelSize());
      context.forward(new Record<>(jobId, completion.toPanelSet(state, kind, now), now, trace.headers()));
    } catch (RuntimeException e) {
      failed = e;
      throw e;
    } finally {
      JobTrace.exit();
      span.end(failed);
    }
    PanelState done = PanelState.done(now);
    states.put(jobId, done);
    open.remove(jobId);
    due.remove(new Due(completion.deadlineOf(state), jobId));
    due.remove(new Due(completion.hardDeadlineOf(state), jobId));
    schedule(jobId, done);
  }

  private void onTick(long now) {
    Map<Due, DueAction> reached = due.headMap(new Due(now, "\uffff"), true);
    List<Map.Entry<Due, DueAction>> entries = new ArrayList<>(reached.entrySet());
    reached.clear();
    for (Map.Entry<Due, DueAction> entry : entries) {
      String jobId = entry.getKey().jobId();
      PanelState state = stateOf(jobId);
      if (state == null) {
        continue;
      }
      if (entry.getValue() == DueAction.PURGE) {
        if (state.isDone()) {
          states.delete(jobId);
        }
        continue;
      }
      String kind = completion.check(state, now);
      if (kind != null) {
        emit(jobId, state, kind, now);
      }
    }
    retick(now);
  }
}
