package dev.fusion.judge;

import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import java.time.Duration;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Aggregates jobs and panel answers by job ID in a persistent store and forwards a {@link PanelSet}
 * once the panel is complete. Deadlines live in a second store keyed by zero-padded due time, so the
 * wall-clock punctuator reads only what is due instead of scanning every open job.
 */
final class PanelAggregator implements Processor<String, Object, String, PanelSet> {
  static final String STATE_STORE = "panel-state";
  static final String DUE_STORE = "panel-due";
  private static final String CHECK = "check";
  private static final String PURGE = "purge";

  private final PanelCompletion completion;
  private final Duration punctuateEvery;
  private final Duration keepDoneMarkers;
  private ProcessorContext<String, PanelSet> context;
  private KeyValueStore<String, PanelState> states;
  private KeyValueStore<String, String> due;

  PanelAggregator(PanelCompletion completion, Duration punctuateEvery, Duration keepDoneMarkers) {
    this.completion = completion;
    this.punctuateEvery = punctuateEvery;
    this.keepDoneMarkers = keepDoneMarkers;
  }

  @Override
  public void init(ProcessorContext<String, PanelSet> context) {
    this.context = context;
    this.states = context.getStateStore(STATE_STORE);
    this.due = context.getStateStore(DUE_STORE);
    context.schedule(punctuateEvery, PunctuationType.WALL_CLOCK_TIME, this::onTick);
  }

  @Override
  public void process(org.apache.kafka.streams.processor.api.Record<String, Object> record) {
    String jobId = record.key();
    if (jobId == null) {
      return;
    }
    PanelState state = states.get(jobId);
    if (state == null) {
      state = PanelState.empty();
    }
    if (state.isDone()) {
      return; // A replayed or late record of a panel already handed to the judge.
    }
    if (record.value() instanceof FusionJob job) {
      if (state.job() != null) {
        return;
      }
      state = state.withJob(job);
      due.put(dueKey(completion.deadlineOf(state), jobId), CHECK);
      due.put(dueKey(completion.hardDeadlineOf(state), jobId), CHECK);
    } else if (record.value() instanceof PanelAnswer answer) {
      state = state.withAnswer(answer);
    } else {
      return;
    }
    long now = System.currentTimeMillis();
    String kind = completion.check(state, now);
    if (kind != null) {
      emit(jobId, state, kind, now);
    } else {
      states.put(jobId, state);
    }
  }

  private void emit(String jobId, PanelState state, String kind, long now) {
    context.forward(new org.apache.kafka.streams.processor.api.Record<>(jobId,
        completion.toPanelSet(state, kind, now), now));
    states.put(jobId, PanelState.done(now));
    due.delete(dueKey(completion.deadlineOf(state), jobId));
    due.delete(dueKey(completion.hardDeadlineOf(state), jobId));
    due.put(dueKey(now + keepDoneMarkers.toMillis(), jobId), PURGE);
  }

  private void onTick(long now) {
    java.util.List<KeyValue<String, String>> reached = new java.util.ArrayList<>();
    try (KeyValueIterator<String, String> it = due.range(dueKey(0, ""), dueKey(now, "\uffff"))) {
      while (it.hasNext()) {
        reached.add(it.next());
      }
    }
    for (KeyValue<String, String> entry : reached) {
      due.delete(entry.key);
      String jobId = entry.key.substring(entry.key.indexOf('|') + 1);
      PanelState state = states.get(jobId);
      if (state == null) {
        continue;
      }
      if (PURGE.equals(entry.value)) {
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
  }

  static String dueKey(long atMs, String jobId) {
    return String.format("%015d|%s", atMs, jobId);
  }
}
