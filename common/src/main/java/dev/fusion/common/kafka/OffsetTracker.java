package dev.fusion.common.kafka;

import java.util.TreeMap;

/**
 * Tracks in-flight offsets of one partition and yields the offset that is safe to commit: one past the
 * highest offset below which everything is finished. Work may finish in any order; only a contiguous
 * finished prefix is ever committed, so a crash replays unfinished work and never skips it.
 * Not thread-safe: owned by the consumer thread.
 */
public final class OffsetTracker {
  /** offset -> finished? */
  private final TreeMap<Long, Boolean> inFlight = new TreeMap<>();
  private long committable = -1;

  /** Registers a polled record's offset as started. */
  public void started(long offset) {
    inFlight.put(offset, Boolean.FALSE);
  }

  /** Marks an offset finished; returns true when the committable position moved. */
  public boolean finished(long offset) {
    if (inFlight.replace(offset, Boolean.TRUE) == null) {
      return false;
    }
    boolean moved = false;
    while (!inFlight.isEmpty() && inFlight.firstEntry().getValue()) {
      committable = inFlight.pollFirstEntry().getKey() + 1;
      moved = true;
    }
    return moved;
  }

  /** The next offset to commit (one past the finished prefix), or -1 when nothing finished yet. */
  public long committable() {
    return committable;
  }

  /** The lowest started offset not yet finished, or -1: everything before it is finished. */
  public long firstUnfinished() {
    return inFlight.isEmpty() ? -1 : inFlight.firstKey();
  }

  public int inFlight() {
    return inFlight.size();
  }
}
