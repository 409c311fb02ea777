package dev.fusion.common;

import dev.fusion.management.ManagementServer;
import dev.fusion.management.ManagementSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one service as a process: serves its management endpoint ({@code FUSION_MANAGEMENT_PORT}: health and
 * metrics) from before it starts, starts it, and stops it on SIGTERM / Ctrl-C within
 * {@code FUSION_SHUTDOWN_TIMEOUT_MS}: readiness turns false first, then the service stops taking work,
 * finishes (or hands back) what is in flight, commits and leaves its groups, then the clients close. Past
 * the bound the process halts; whatever was unfinished is replayed by the next owner.
 */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);

  private ServiceMain() {}

  public static void run(StageContext ctx, Service service) throws Exception {
    ManagementSettings settings = ManagementSettings.fromEnv();
    ManagementServer management = new ManagementServer(ctx.vertx(), ctx.metrics().process(),
        () -> readiness(ctx, service));
    // Live (and not ready) while the service starts: a judge worker restoring its stores is not dead.
    management.start(settings).await();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      management.shuttingDown();
      haltAfter(settings.shutdownTimeout(), service.name());
      LOG.info("stopping {} (within {} ms)", service.name(), settings.shutdownTimeout().toMillis());
      long t0 = System.currentTimeMillis();
      service.stop();
      management.close();
      ctx.close();
      LOG.info("{} stopped in {} ms", service.name(), System.currentTimeMillis() - t0);
      stopped.countDown();
    }, "shutdown"));
    service.start();
    LOG.info("{} started (Kafka at {})", service.name(), ctx.config().bootstrapServers());
    stopped.await();
  }

  /** The service's own readiness and the context's checks (the model gateway reaching a provider). */
  public static Map<String, Boolean> readiness(StageContext ctx, Service service) {
    Map<String, Boolean> checks = new LinkedHashMap<>();
    checks.put(service.name(), service.isReady());
    checks.putAll(ctx.readinessChecks());
    return checks;
  }

  /**
   * Bounds a shutdown that has begun: past {@code timeout} the process halts (a shutdown hook itself
   * cannot be interrupted). Call it first thing in the shutdown hook.
   */
  public static void haltAfter(java.time.Duration timeout, String name) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(timeout.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      LOG.error("{} did not stop within {} ms ({}); halting, unfinished work will be replayed", name,
          timeout.toMillis(), ManagementSettings.SHUTDOWN_TIMEOUT_VAR);
      Runtime.getRuntime().halt(1);
    }, "shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
