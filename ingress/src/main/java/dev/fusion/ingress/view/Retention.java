package dev.fusion.ingress.view;

import dev.fusion.common.StageContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps finished jobs for {@code FUSION_RESULT_RETENTION_MS}, then removes them: a tombstone on the
 * compacted results topic (and on the cancellations topic for a cancelled job), so compaction drops the
 * result and every ingress view deletes the job with its events and index entries. Every instance sweeps
 * its own view; tombstones written twice are harmless.
 */
public final class Retention implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  private static final int BATCH = 500;

  private final StageContext ctx;
  private final JobsView view;
  private final Duration retention;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ingress-retention");
    t.setDaemon(true);
    return t;
  });

  public Retention(StageContext ctx, JobsView view, Duration retention) {
    this.ctx = ctx;
    this.view = view;
    this.retention = retention;
  }

  public void start() {
    long period = Math.max(100, Math.min(retention.toMillis() / 4, 60_000));
    timer.scheduleWithFixedDelay(this::sweepSafely, period, period, TimeUnit.MILLISECONDS);
  }

  private void sweepSafely() {
    try {
      sweep();
    } catch (Exception e) {
      LOG.warn("retention sweep failed; retrying at the next one", e);
    }
  }

  /** Removes up to one batch of expired jobs; returns how many. */
  int sweep() throws Exception {
    List<JobView> expired = view.finishedBefore(System.currentTimeMillis() - retention.toMillis(), BATCH);
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (JobView job : expired) {
      byte[] key = job.jobId().getBytes(StandardCharsets.UTF_8);
      acks.add(ctx.publisher().sendRaw(ctx.topics().results().name(), key, null, null));
      if (job.isCancelled()) {
        acks.add(ctx.publisher().sendRaw(ctx.topics().cancellations().name(), key, null, null));
      }
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
    expired.forEach(job -> view.delete(job.jobId()));
    return expired.size();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
