package dev.fusion.ingress.batch;

import dev.fusion.common.Service;
import dev.fusion.common.StageContext;
import dev.fusion.ingress.jobs.JobSubmitter;
import dev.fusion.ingress.view.JobsView;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Batches in one ingress instance: the store (local view of the batch topics), the dispatcher and the
 * settings. Settings come from the environment ({@code FUSION_BATCH_MAX_IN_FLIGHT}, default 200;
 * {@code FUSION_BATCH_DISPATCHER}, default true); a JVM system property of the same name wins, which
 * is how tests and embedders tune them without touching the shared config.
 */
public final class BatchService implements Service {
  private final StageContext ctx;
  private final BatchStore store;
  private final BatchDispatcher dispatcher;
  private final boolean dispatching;
  private final int maxLineBytes;
  private volatile boolean started;

  public BatchService(StageContext ctx, JobsView view, Path dir) {
    this.ctx = ctx;
    this.store = new BatchStore(ctx.config(), ctx.topics(), ctx.deadLetters(), dir);
    this.dispatching = Boolean.parseBoolean(setting("FUSION_BATCH_DISPATCHER", "true"));
    this.maxLineBytes = Integer.parseInt(setting("FUSION_BATCH_MAX_LINE_BYTES", String.valueOf(1 << 20)));
    this.dispatcher = new BatchDispatcher(ctx, store, view, new JobSubmitter(ctx, view),
        Integer.parseInt(setting("FUSION_BATCH_MAX_IN_FLIGHT", "200")));
  }

  static String setting(String name, String fallback) {
    String v = System.getProperty(name);
    if (v == null) {
      v = System.getenv(name);
    }
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  @Override
  public String name() {
    return "batches";
  }

  @Override
  public void start() throws Exception {
    // Metadata up front, so the first upload's sends never block an event loop on it.
    ctx.publisher().warm(ctx.topics().batches().name());
    ctx.publisher().warm(ctx.topics().batchItems().name());
    store.start();
    if (!store.awaitCaughtUp(Duration.ofMinutes(5))) {
      throw new IllegalStateException("batch store did not catch up");
    }
    if (dispatching) {
      store.onState(dispatcher::onState);
      dispatcher.start();
    }
    started = true;
  }

  @Override
  public void stop() {
    started = false;
    dispatcher.stop();
    store.stop();
  }

  @Override
  public boolean isReady() {
    return started && store.isReady();
  }

  BatchStore store() {
    return store;
  }

  BatchDispatcher dispatcher() {
    return dispatcher;
  }

  boolean dispatching() {
    return dispatching;
  }

  int maxLineBytes() {
    return maxLineBytes;
  }

  StageContext context() {
    return ctx;
  }
}
