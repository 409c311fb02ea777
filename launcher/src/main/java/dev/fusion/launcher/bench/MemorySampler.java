package dev.fusion.launcher.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** Samples heap in use and resident memory once a second; the bench scenarios report the maxima. */
final class MemorySampler implements AutoCloseable {
  private final AtomicLong maxHeap = new AtomicLong();
  private final AtomicLong maxRss = new AtomicLong();
  private volatile boolean running = true;
  private Thread thread;

  void start() {
    thread = new Thread(() -> {
      while (running) {
        sample();
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
      }
    }, "bench-memory");
    thread.setDaemon(true);
    thread.start();
  }

  private void sample() {
    maxHeap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
    maxRss.accumulateAndGet(rss(), Math::max);
  }

  static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (Exception ignored) {
      // Not on Linux: RSS is reported as 0.
    }
    return 0;
  }

  long maxHeapBytes() {
    return maxHeap.get();
  }

  long maxRssBytes() {
    return maxRss.get();
  }

  @Override
  public void close() {
    running = false;
    sample(); // a run shorter than a second still reports its memory
  }
}
