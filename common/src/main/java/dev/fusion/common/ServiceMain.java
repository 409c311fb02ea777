package dev.fusion.common;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one service as a process: starts it, and stops it cleanly on SIGTERM / Ctrl-C. */
public final class ServiceMain {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceMain.class);

  private ServiceMain() {}

  public static void run(StageContext ctx, Service service) throws Exception {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping {}", service.name());
      service.stop();
      ctx.close();
      stopped.countDown();
    }, "shutdown"));
    service.start();
    LOG.info("{} started (Kafka at {})", service.name(), ctx.config().bootstrapServers());
    stopped.await();
  }
}
