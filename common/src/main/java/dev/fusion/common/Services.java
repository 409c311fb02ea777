package dev.fusion.common;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts and stops several services of one process side by side: the stages of dev mode, the parts of
 * ingress. A start mostly waits (for a consumer's first assignment, for Streams to run), so one after
 * another cost the sum of the waits at every start of dev mode and of every end-to-end test's pipeline.
 */
public final class Services {
  private Services() {}

  /**
   * Starts every service, each on its own thread, and returns once all are ready. When any fails, the
   * ones that started are stopped again (a failed start leaves nothing running, {@link Service#start})
   * and the first failure is thrown, later ones attached as suppressed.
   */
  public static void startTogether(List<? extends Service> services) throws Exception {
    List<Throwable> failures = run(services, "start", Service::start);
    if (failures.stream().allMatch(f -> f == null)) {
      return;
    }
    List<Service> started = new ArrayList<>();
    Exception first = null;
    for (int i = 0; i < services.size(); i++) {
      Throwable failure = failures.get(i);
      if (failure == null) {
        started.add(services.get(i));
      } else if (first == null) {
        first = failure instanceof Exception e ? e : new IllegalStateException(failure);
      } else {
        first.addSuppressed(failure);
      }
    }
    try {
      stopTogether(started);
    } catch (RuntimeException e) {
      first.addSuppressed(e);
    }
    throw first;
  }

  /** Stops every service, each on its own thread; throws the first failure once all have stopped. */
  public static void stopTogether(List<? extends Service> services) {
    List<Throwable> failures = run(services, "stop", Service::stop);
    RuntimeException first = null;
    for (Throwable failure : failures) {
      if (failure == null) {
        continue;
      }
      if (first == null) {
        first = failure instanceof RuntimeException e ? e : new IllegalStateException(failure);
      } else {
        first.addSuppressed(failure);
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private interface Step {
    void apply(Service service) throws Exception;
  }

  /** Runs {@code step} on every service at once; the failure of each, in order (null where it worked). */
  private static List<Throwable> run(List<? extends Service> services, String what, Step step) {
    AtomicInteger n = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(Math.max(1, services.size()), r -> {
      Thread t = new Thread(r, "fusion-" + what + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<Void>> running = new ArrayList<>();
      for (Service s : services) {
        running.add(threads.submit(() -> {
          step.apply(s);
          return null;
        }));
      }
      List<Throwable> failures = new ArrayList<>();
      boolean interrupted = false;
      for (Future<Void> f : running) {
        while (true) {
          try {
            f.get();
            failures.add(null);
            break;
          } catch (ExecutionException e) {
            failures.add(e.getCause());
            break;
          } catch (InterruptedException e) {
            // The steps run on: a start left half-way would leave stages running unowned. Wait them out.
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return failures;
    } finally {
      threads.shutdown();
    }
  }
}
