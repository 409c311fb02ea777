package dev.fusion.gateway;

import dev.fusion.common.config.ModelSettings;
import dev.fusion.common.config.Provider;
import dev.fusion.common.config.RateLimit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The process-wide limits on model calls: per provider and per model, a concurrency cap, a token
 * bucket and (per provider) a cool-down after a 429. An attempt that does not fit waits in one bounded
 * FIFO queue; whenever something is released or a timer passes, the queue is scanned and every waiter
 * that now fits goes. Each attempt (retries included) takes one permit, so retries and cool-downs
 * slow the whole process down for that provider, not just one call.
 */
final class Admission {
  /** Returned to the caller when it may send; release exactly once when the attempt ends. */
  interface Ticket {
    void release();
  }

  private static final class Gate {
    final int cap;
    final RateLimit rate;
    double tokens;
    long refilledAtNanos;
    int inFlight;
    int peak;
    long coolUntilMs;
    long admitted;

    Gate(int cap, RateLimit rate) {
      this.cap = cap;
      this.rate = rate;
      this.tokens = rate == null ? 0 : rate.burst();
      this.refilledAtNanos = MonotonicClock.nowNanos();
    }

    void refill(long nowNanos) {
      if (rate != null) {
        tokens = Math.min(rate.burst(), tokens + (nowNanos - refilledAtNanos) / 1e9 * rate.requestsPerSecond());
        refilledAtNanos = nowNanos;
      }
    }

    /** 0 when this gate lets one more through now, -1 when only a release can help, else ms to wait. */
    long waitMs(long nowMs) {
      if (coolUntilMs > nowMs) {
        return coolUntilMs - nowMs;
      }
      if (cap > 0 && inFlight >= cap) {
        return -1;
      }
      if (rate != null && tokens < 1) {
        return Math.max(1, (long) Math.ceil((1 - tokens) / rate.requestsPerSecond() * 1000));
      }
      return 0;
    }

    void take() {
      inFlight++;
      peak = Math.max(peak, inFlight);
      admitted++;
      if (rate != null) {
        tokens -= 1;
      }
    }

    LimitStats stats() {
      return new LimitStats(inFlight, peak, cap, coolUntilMs, admitted);
    }
  }

  private record Waiter(Gate provider, Gate model, Promise<Ticket> promise, AtomicInteger queued) {}

  private final Vertx vertx;
  private final int queueLimit;
  private final Map<String, Gate> providers = new LinkedHashMap<>();
  private final Map<String, Gate> models = new LinkedHashMap<>();
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  /** Calls waiting per provider, readable without the lock (the queue-depth gauges). */
  private final Map<String, AtomicInteger> queuedByProvider = new ConcurrentHashMap<>();
  private long timerId = -1;
  private long timerAtMs = Long.MAX_VALUE;

  Admission(Vertx vertx, int queueLimit) {
    this.vertx = vertx;
    this.queueLimit = queueLimit;
  }

  /**
   * Waits until the provider and the model both have room; fails with {@link QueueFull} when the
   * queue is at its bound.
   */
  Future<Ticket> acquire(Provider provider, String modelKey, ModelSettings settings) {
    Promise<Ticket> promise = Promise.promise();
    synchronized (this) {
      Gate p = providers.computeIfAbsent(provider.name(), n -> new Gate(provider.maxConcurrency(), provider.rateLimit()));
      Gate m = settings.maxConcurrency() > 0 || settings.rateLimit() != null
          ? models.computeIfAbsent(modelKey, k -> new Gate(settings.maxConcurrency(), settings.rateLimit()))
          : null;
      if (queue.size() >= queueLimit) {
        return Future.failedFuture(new QueueFull(queue.size()));
      }
      AtomicInteger queued = queued(provider.name());
      queued.incrementAndGet();
      queue.add(new Waiter(p, m, promise, queued));
    }
    drain();
    return promise.future();
  }

  /** Holds every call to the provider until {@code untilMs} (a 429's Retry-After, or its backoff). */
  void coolDown(String provider, long untilMs) {
    synchronized (this) {
      Gate g = providers.get(provider);
      if (g != null) {
        g.coolUntilMs = Math.max(g.coolUntilMs, untilMs);
      }
    }
    drain();
  }

  /** How many calls wait for {@code provider} now (a live counter). */
  AtomicInteger queued(String provider) {
    return queuedByProvider.computeIfAbsent(provider, p -> new AtomicInteger());
  }

  synchronized int waiting() {
    return queue.size();
  }

  synchronized Map<String, LimitStats> providerStats() {
    Map<String, LimitStats> out = new LinkedHashMap<>();
    providers.forEach((k, g) -> out.put(k, g.stats()));
    return out;
  }

  synchronized Map<String, LimitStats> modelStats() {
    Map<String, LimitStats> out = new LinkedHashMap<>();
    models.forEach((k, g) -> out.put(k, g.stats()));
    return out;
  }

  private void drain() {
    List<Waiter> admitted = new ArrayList<>();
    synchronized (this) {
      long nowMs = MonotonicClock.nowMs();
      long nowNanos = MonotonicClock.nowNanos();
      long nextWakeMs = Long.MAX_VALUE;
      // Once a gate refuses a waiter it refuses every later one in this pass: skip them cheaply, so a
      // long queue behind one busy provider costs little to scan.
      java.util.Set<Gate> blocked = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (Iterator<Waiter> it = queue.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (blocked.contains(w.provider) || (w.model != null && blocked.contains(w.model))) {
          continue;
        }
        w.provider.refill(nowNanos);
        long pw = w.provider.waitMs(nowMs);
        long mw = 0;
        if (w.model != null) {
          w.model.refill(nowNanos);
          mw = w.model.waitMs(nowMs);
        }
        if (pw == 0 && mw == 0) {
          w.provider.take();
          if (w.model != null) {
            w.model.take();
          }
          it.remove();
          w.queued.decrementAndGet();
          admitted.add(w);
        } else {
          if (pw != 0) {
            blocked.add(w.provider);
          }
          if (mw != 0) {
            blocked.add(w.model);
          }
          long wait = Math.max(pw, mw);
          if (wait > 0) {
            nextWakeMs = Math.min(nextWakeMs, nowMs + wait);
          }
        }
      }
      scheduleWake(nextWakeMs);
    }
    // Outside the lock: completing runs the caller's continuation, which may acquire again.
    for (Waiter w : admitted) {
      Ticket ticket = new Ticket() {
        private boolean released;

        @Override
        public void release() {
          synchronized (Admission.this) {
            if (released) {
              return;
            }
            released = true;
            w.provider.inFlight--;
            if (w.model != null) {
              w.model.inFlight--;
            }
          }
          drain();
        }
      };
      if (!w.promise.tryComplete(ticket)) {
        ticket.release();
      }
    }
  }

  private void scheduleWake(long atMs) {
    if (atMs == Long.MAX_VALUE || (timerId >= 0 && timerAtMs <= atMs)) {
      return;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    timerAtMs = atMs;
    timerId = vertx.setTimer(Math.max(1, atMs - MonotonicClock.nowMs()), t -> {
      synchronized (this) {
        if (timerId == t) {
          timerId = -1;
          timerAtMs = Long.MAX_VALUE;
        }
      }
      drain();
    });
  }

  /** The wait queue is at its bound. */
  static final class QueueFull extends RuntimeException {
    QueueFull(int size) {
      super("the gateway's wait queue is full (" + size + " calls waiting for provider limits)", null, false, false);
    }
  }
}
