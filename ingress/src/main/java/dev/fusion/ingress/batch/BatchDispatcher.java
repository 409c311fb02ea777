package dev.fusion.ingress.batch;

import dev.fusion.common.StageContext;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.tracing.Tracing;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.jobs.JobSubmitter;
import dev.fusion.ingress.view.JobListener;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns batch items into jobs on {@code fusion.jobs}, at most {@code maxInFlight} at a time across all
 * batches of this instance (round robin between batches), dispatching the next item as a result
 * arrives. Interactive jobs therefore never queue behind more than that many batch jobs.
 *
 * <p>Everything runs on one thread, so the bookkeeping needs no locks except the cancel flag. The state
 * needed to resume is in Kafka: an item whose deterministic job ID is already known to the jobs view was
 * dispatched (and is only followed, not resubmitted); one with a result is done. A restart therefore
 * re-walks a batch from the start, quickly skipping what is done.
 */
final class BatchDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(BatchDispatcher.class);

  private final StageContext ctx;
  private final BatchStore store;
  private final JobsView view;
  private final JobSubmitter submitter;
  private final int maxInFlight;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "batch-dispatcher");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Live> live = new LinkedHashMap<>();
  /** Readable from any thread, for status requests. */
  private final Map<String, Live> snapshot = new ConcurrentHashMap<>();
  private int inFlight;
  /** Submissions not yet acknowledged: a graceful stop waits for them, so a restart sees every job sent. */
  private final java.util.Set<java.util.concurrent.CompletableFuture<?>> submitting = ConcurrentHashMap.newKeySet();
  private boolean retryScheduled;
  private volatile boolean stopped;

  /** A batch being dispatched. Counters are written on the dispatcher thread only. */
  static final class Live {
    final String batchId;
    volatile BatchState state;
    long cursor;
    final Deque<BatchItem> retry = new ArrayDeque<>();
    final Map<String, AutoCloseable> following = new HashMap<>();
    volatile long completed;
    volatile long failed;
    volatile long dispatched;
    volatile int inFlight;
    volatile boolean cancelled;
    volatile boolean finalizing;
    final long startedAtMs = System.currentTimeMillis();
    /** Results that arrived while this instance followed the batch: the basis of the rate. */
    volatile long liveDone;

    Live(BatchState state) {
      this.batchId = state.batchId();
      this.state = state;
    }

    long done() {
      return completed + failed;
    }
  }

  BatchDispatcher(StageContext ctx, BatchStore store, JobsView view, JobSubmitter submitter, int maxInFlight) {
    this.ctx = ctx;
    this.store = store;
    this.view = view;
    this.submitter = submitter;
    this.maxInFlight = maxInFlight;
  }

  /** Resumes every batch that was running or cancelling; called once the store and view caught up. */
  void start() {
    for (BatchState s : store.states()) {
      if (BatchState.IN_PROGRESS.equals(s.status()) || BatchState.CANCELLING.equals(s.status())) {
        onState(s);
      }
    }
  }

  /** A batch state was applied (here or by another instance): start or cancel accordingly. */
  void onState(BatchState state) {
    run(() -> {
      Live b = live.get(state.batchId());
      BatchState stored = store.state(state.batchId());
      if (b == null && stored != null && stored.isTerminal()) {
        return; // a late copy of an earlier state of a finished batch
      }
      if (b == null && (BatchState.IN_PROGRESS.equals(state.status()) || BatchState.CANCELLING.equals(state.status()))) {
        b = new Live(state);
        b.cancelled = BatchState.CANCELLING.equals(state.status());
        live.put(b.batchId, b);
        snapshot.put(b.batchId, b);
        LOG.info("batch {}: dispatching {} items (at most {} in flight per instance)", b.batchId, state.validItems(),
            maxInFlight);
        if (b.cancelled) {
          adoptDispatched(b);
        }
      } else if (b != null && BatchState.CANCELLING.equals(state.status())) {
        b.cancelled = true;
        b.state = state;
      }
      pump();
    });
  }

  /**
   * Stops dispatching a batch: once this returns, no further item of it is submitted. Returns how many
   * items had been dispatched, or -1 if the batch is not dispatched here.
   */
  long cancel(String batchId) {
    Live b = snapshot.get(batchId);
    if (b == null) {
      return -1;
    }
    synchronized (b) {
      b.cancelled = true;
      return b.dispatched;
    }
  }

  Live live(String batchId) {
    return snapshot.get(batchId);
  }

  private void run(Runnable task) {
    if (!stopped) {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.error("batch dispatcher task failed", e);
        }
      });
    }
  }

  /** Fills free slots round robin: one item per batch per turn. */
  private void pump() {
    boolean progress = true;
    boolean waitingForItems = false;
    while (inFlight < maxInFlight && progress && !stopped) {
      progress = false;
      for (Live b : new ArrayList<>(live.values())) {
        if (inFlight >= maxInFlight) {
          break;
        }
        int step = step(b);
        progress |= step > 0;
        waitingForItems |= step < 0;
      }
    }
    for (Live b : new ArrayList<>(live.values())) {
      maybeFinish(b);
    }
    if (waitingForItems && !retryScheduled) {
      // An item acknowledged by Kafka has not reached this store yet (another instance took the
      // upload): look again shortly.
      retryScheduled = true;
      executor.schedule(() -> {
        retryScheduled = false;
        pump();
      }, 50, TimeUnit.MILLISECONDS);
    }
  }

  /** Considers one item: 1 if one was taken, 0 if the batch has nothing to dispatch, -1 if waiting. */
  private int step(Live b) {
    if (b.cancelled || b.finalizing) {
      return 0;
    }
    BatchItem item;
    if (!b.retry.isEmpty()) {
      item = b.retry.poll();
    } else {
      if (b.cursor >= b.state.validItems()) {
        return 0;
      }
      item = store.item(b.batchId, b.cursor);
      if (item == null) {
        return -1;
      }
      b.cursor++;
    }
    String jobId = item.job().jobId();
    // Follow before looking, so a result that lands in between is not missed.
    AutoCloseable sub = follow(b, jobId);
    JobView known = view.read(jobId);
    if (known != null && known.isTerminal()) {
      close(sub);
      count(b, known.result());
      return 1;
    }
    b.following.put(jobId, sub);
    b.inFlight++;
    inFlight++;
    if (known != null) {
      return 1; // dispatched before a restart: follow it, never submit it twice
    }
    synchronized (b) {
      if (b.cancelled) {
        // Cancelled between the check above and now: undo, nothing was sent.
        b.following.remove(jobId);
        close(sub);
        b.inFlight--;
        inFlight--;
        return 0;
      }
      b.dispatched++;
      var sent = submitter.submit(item.job(), dev.fusion.common.metrics.FusionMetrics.SOURCE_BATCH,
          submitter.tracing().start(HttpApi.INGRESS_SPAN, Tracing.Kind.INTERNAL, null, item.job().tenant(),
              b.batchId, jobId));
      var acked = sent.toCompletionStage().toCompletableFuture();
      submitting.add(acked);
      acked.whenComplete((r, e) -> submitting.remove(acked));
      sent.onFailure(e -> run(() -> {
        LOG.warn("batch {}: job {} not accepted by Kafka; will retry", b.batchId, jobId);
        AutoCloseable s = b.following.remove(jobId);
        if (s != null) {
          close(s);
          b.inFlight--;
          inFlight--;
          b.dispatched--;
          b.retry.add(item);
          executor.schedule(this::pump, 1, TimeUnit.SECONDS);
        }
      }));
    }
    return 1;
  }

  /** A cancelling batch found at start-up: follow what was already dispatched so it can finish. */
  private void adoptDispatched(Live b) {
    for (long i = 0; i < b.state.validItems(); i++) {
      BatchItem item = store.item(b.batchId, i);
      if (item == null) {
        continue;
      }
      JobView known = view.read(item.job().jobId());
      if (known == null) {
        continue;
      }
      b.dispatched++;
      if (known.isTerminal()) {
        count(b, known.result());
        continue;
      }
      String jobId = item.job().jobId();
      AutoCloseable sub = follow(b, jobId);
      b.following.put(jobId, sub);
      b.inFlight++;
      inFlight++;
      JobView again = view.read(jobId);
      if (again != null && again.isTerminal()) {
        finished(b, jobId, again.result());
      }
    }
  }

  /** Hands the job's result to {@link #finished} on the dispatcher's thread when the view applies it. */
  private AutoCloseable follow(Live b, String jobId) {
    return view.subscribe(jobId, new JobListener() {
      @Override
      public void onEvent(FusionEvent event, long offset) { }

      @Override
      public void onResult(FusionResult result) {
        run(() -> finished(b, jobId, result));
      }
    });
  }

  private void finished(Live b, String jobId, FusionResult result) {
    AutoCloseable sub = b.following.remove(jobId);
    if (sub == null) {
      return; // already counted (a replayed result)
    }
    close(sub);
    b.inFlight--;
    inFlight--;
    count(b, result);
    ctx.metrics().batchLine(result != null && FusionResult.COMPLETED.equals(result.status()) ? "completed" : "failed");
    b.liveDone++;
    pump();
  }

  private static void count(Live b, FusionResult result) {
    if (result != null && FusionResult.COMPLETED.equals(result.status())) {
      b.completed++;
    } else {
      b.failed++;
    }
  }

  private void maybeFinish(Live b) {
    boolean drained = b.cancelled || (b.cursor >= b.state.validItems() && b.retry.isEmpty());
    if (b.finalizing || !drained || !b.following.isEmpty()) {
      return;
    }
    b.finalizing = true;
    String status = b.cancelled ? BatchState.CANCELLED : BatchState.COMPLETED;
    BatchState base = store.state(b.batchId);
    BatchState fin = (base == null ? b.state : base).withCounts(b.completed, b.failed, b.dispatched)
        .withStatus(status, System.currentTimeMillis());
    ctx.publisher().send(ctx.topics().batches(), b.batchId, fin).whenComplete((ack, error) -> run(() -> {
      if (error != null) {
        LOG.warn("batch {}: final state not acknowledged; retrying", b.batchId, error);
        b.finalizing = false;
        executor.schedule(this::pump, 1, TimeUnit.SECONDS);
        return;
      }
      store.putState(fin);
      live.remove(b.batchId);
      snapshot.remove(b.batchId);
      LOG.info("batch {} {}: {} completed, {} failed", b.batchId, status, b.completed, b.failed);
    }));
  }

  private static void close(AutoCloseable sub) {
    try {
      sub.close();
    } catch (Exception e) {
      // unsubscribing cannot fail in practice
    }
  }

  void stop() {
    stopped = true;
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
      java.util.concurrent.CompletableFuture.allOf(submitting.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
          .get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("stopping with unacknowledged batch submissions; a restart resubmits them (same job IDs)");
    }
    for (Live b : snapshot.values()) {
      b.following.values().forEach(BatchDispatcher::close);
    }
  }
}
