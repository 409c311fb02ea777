package dev.fusion.ingress.view;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.contract.ChatMessage;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.Submission;
import dev.fusion.ingress.view.JobStateMachine.Change;
import dev.fusion.ingress.view.JobStateMachine.Event;
import dev.fusion.ingress.view.JobStateMachine.JobRecord;
import dev.fusion.ingress.view.JobStateMachine.Result;
import dev.fusion.ingress.view.JobStateMachine.Step;
import dev.fusion.ingress.view.JobStateMachine.Submitted;
import dev.fusion.ingress.view.JobStateMachine.Tombstone;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The jobs view's rules, record by record and in every arrival order, without Kafka or RocksDB. A small
 * in-memory fold ({@link Fold}) applies steps the way the view does, so sequences can be checked end to
 * end; it also counts reads of the stored state, which the speed-up is about.
 */
class JobStateMachineTest {
  private static final long NOW = Duration.ofDays(30).toMillis();
  private static final long MAX_AGE = Duration.ofDays(8).toMillis();
  private static final String ID = "job_0123456789abcdef0123456789abcdef";
  private final JobStateMachine machine = new JobStateMachine(MAX_AGE);

  private static FusionJob job(String tenant, long acceptedAtMs) {
    return new FusionJob(FusionJob.SCHEMA_VERSION, ID, tenant, List.of(ChatMessage.user("q")), List.of("sim/a"),
        "sim/judge", "sim/writer", null, null, acceptedAtMs).withSubmission(Submission.http("key-1", "hash"));
  }

  private static Submitted submitted(String tenant) {
    return new Submitted(job(tenant, NOW - 1_000));
  }

  private static Event event(String type) {
    return new Event(type, NOW - 500);
  }

  private static Result result(String tenant, JobStatus status) {
    return new Result(tenant, status, NOW - 1_000, NOW - 100);
  }

  /** The view in miniature: one job's stored state, the remembered status, and a count of state reads. */
  private final class Fold {
    JobView state;
    JobStatus known;
    int reads;
    int eventsAppended;
    int resultsStored;
    int deletes;

    Step apply(JobRecord record) {
      Step step = machine.apply(ID, known, id -> {
        reads++;
        return state;
      }, record, NOW);
      if (step.appendEvent()) {
        eventsAppended++;
      }
      if (step.storeResult()) {
        resultsStored++;
      }
      if (step.change() == Change.UPDATE) {
        state = step.next();
        known = state.status();
      } else if (step.change() == Change.DELETE) {
        state = null;
        known = null;
        deletes++;
      }
      return step;
    }

    Fold all(JobRecord... records) {
      for (JobRecord r : records) {
        apply(r);
      }
      return this;
    }
  }

  // ---- the job record ----

  @Test
  void aJobRecordMakesANewJobQueuedAndOwned() {
    Fold f = new Fold();
    Step step = f.apply(submitted("acme"));
    assertThat(step.change()).isEqualTo(Change.UPDATE);
    assertThat(f.state.status()).isEqualTo(JobStatus.QUEUED);
    assertThat(f.state.tenant()).isEqualTo("acme");
    assertThat(f.state.acceptedAtMs()).isEqualTo(NOW - 1_000);
    assertThat(f.state.submission().idempotencyKey()).isEqualTo("key-1");
    assertThat(step.becameOwned()).isTrue();
    assertThat(step.idempotencyKeyBecameKnown()).isTrue();
    assertThat(step.becameTerminal()).isFalse();
    assertThat(step.appendEvent()).isFalse();
  }

  @Test
  void aReplayedJobRecordChangesNothing() {
    Fold f = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED));
    Step step = f.apply(submitted("acme"));
    assertThat(step.change()).isEqualTo(Change.NONE);
    assertThat(f.state.status()).isEqualTo(JobStatus.RUNNING);
  }

  @Test
  void aJobRecordOlderThanTheRetentionOfAJobTheViewDoesNotHoldIsIgnored() {
    Step step = new Fold().apply(new Submitted(job("acme", NOW - MAX_AGE - 1)));
    assertThat(step).isEqualTo(Step.IGNORE);
  }

  @Test
  void aRejudgeKnowsTheJobItJudgesFromItsJob() {
    FusionJob rejudge = new FusionJob(FusionJob.SCHEMA_VERSION, ID, "acme", List.of(ChatMessage.user("q")),
        List.of("sim/a"), "sim/judge", "sim/writer", null, null, NOW, null, null, "job_original");
    Fold f = new Fold();
    f.apply(new Submitted(rejudge));
    assertThat(f.state.rejudgeOf()).isEqualTo("job_original");
    f.all(event(EventTypes.ANALYSIS_IN_PROGRESS), result("acme", JobStatus.COMPLETED));
    assertThat(f.state.rejudgeOf()).isEqualTo("job_original");
  }

  // ---- events ----

  @Test
  void theFirstStageEventMakesAQueuedJobRunning() {
    Fold f = new Fold().all(submitted("acme"));
    Step step = f.apply(event(EventTypes.PANEL_ADDED));
    assertThat(step.change()).isEqualTo(Change.UPDATE);
    assertThat(step.appendEvent()).isTrue();
    assertThat(f.state.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(f.state.tenant()).isEqualTo("acme");
    assertThat(f.state.submission()).isNotNull();
    assertThat(step.becameOwned()).isFalse(); // Already owned: no second list entry
    assertThat(step.idempotencyKeyBecameKnown()).isFalse();
  }

  @Test
  void theQueuedEventIsStoredButDoesNotStartTheJob() {
    Fold f = new Fold().all(submitted("acme"));
    Step step = f.apply(event(EventTypes.QUEUED));
    assertThat(step).isEqualTo(Step.APPEND_EVENT);
    assertThat(f.state.status()).isEqualTo(JobStatus.QUEUED);
  }

  @Test
  void aTerminalEventNeverFinishesAJobOnlyItsResultDoes() {
    for (String terminal : List.of(EventTypes.COMPLETED, EventTypes.FAILED, EventTypes.CANCELLED)) {
      Fold queued = new Fold().all(submitted("acme"));
      assertThat(queued.apply(event(terminal))).isEqualTo(Step.APPEND_EVENT);
      assertThat(queued.state.status()).isEqualTo(JobStatus.QUEUED);
      Fold running = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED));
      assertThat(running.apply(event(terminal))).isEqualTo(Step.APPEND_EVENT);
      assertThat(running.state.status()).isEqualTo(JobStatus.RUNNING);
    }
  }

  @Test
  void anEventOfAStartedJobIsOnlyAppendedAndNeverReadsTheState() {
    // Given a job the view remembers as running
    Fold f = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED));
    int reads = f.reads;
    // When its other ~11 events arrive
    for (String type : List.of(EventTypes.PANEL_COMPLETED, EventTypes.PANEL_FAILED, EventTypes.ANALYSIS_IN_PROGRESS,
        EventTypes.ANALYSIS_COMPLETED, EventTypes.FUSION_CALL_COMPLETED, EventTypes.OUTPUT_TEXT_DELTA,
        EventTypes.COMPLETED)) {
      // Then each is appended, the state unchanged, decided by the remembered status alone
      assertThat(f.apply(event(type))).isEqualTo(Step.APPEND_EVENT);
    }
    assertThat(f.reads).isEqualTo(reads);
    assertThat(f.state.status()).isEqualTo(JobStatus.RUNNING);
  }

  @Test
  void withoutARememberedStatusTheStateDecidesTheSameWay() {
    // Given a running job whose status the view no longer remembers (evicted, or after a restart)
    Fold f = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED));
    f.known = null;
    int reads = f.reads;
    // Then an event reads the state once and is still only appended
    assertThat(f.apply(event(EventTypes.PANEL_COMPLETED))).isEqualTo(Step.APPEND_EVENT);
    assertThat(f.reads).isEqualTo(reads + 1);
  }

  @Test
  void eventsOfAFinishedJobAreOnlyAppended() {
    Fold f = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED), result("acme", JobStatus.FAILED));
    assertThat(f.apply(event(EventTypes.OUTPUT_TEXT_DELTA))).isEqualTo(Step.APPEND_EVENT);
    assertThat(f.state.status()).isEqualTo(JobStatus.FAILED);
  }

  @Test
  void anEventBeforeTheJobRecordMakesARunningJobThatIsNobodysUntilTheJobArrives() {
    // Given an event that overtook its job record (another topic)
    Fold f = new Fold();
    Step first = f.apply(event(EventTypes.PANEL_ADDED));
    assertThat(first.change()).isEqualTo(Change.UPDATE);
    assertThat(f.state.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(f.state.tenant()).isNull();
    assertThat(f.state.ownedBy("acme")).isFalse();
    assertThat(first.becameOwned()).isFalse();
    // When the job record arrives
    Step owned = f.apply(submitted("acme"));
    // Then the owner is known, the status stays running, and the job joins the owner's list
    assertThat(owned.change()).isEqualTo(Change.UPDATE);
    assertThat(owned.becameOwned()).isTrue();
    assertThat(f.state.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(f.state.ownedBy("acme")).isTrue();
    assertThat(f.state.acceptedAtMs()).isEqualTo(NOW - 1_000);
  }

  @Test
  void anOldEventOfAJobTheViewDoesNotHoldIsNotEvenStored() {
    Step step = new Fold().apply(new Event(EventTypes.PANEL_ADDED, NOW - MAX_AGE - 1));
    assertThat(step).isEqualTo(Step.IGNORE);
  }

  // ---- results ----

  @Test
  void aResultFinishesARunningJobAndIsStoredBesideItsState() {
    Fold f = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED));
    Step step = f.apply(result("acme", JobStatus.COMPLETED));
    assertThat(step.change()).isEqualTo(Change.UPDATE);
    assertThat(step.storeResult()).isTrue();
    assertThat(step.becameTerminal()).isTrue();
    assertThat(f.state.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(f.state.updatedAtMs()).isEqualTo(NOW - 100); // The completion time
    assertThat(f.state.submission()).isNotNull(); // Kept from the job
    assertThat(f.state.result()).isNull(); // The state does not carry the result: it has its own key
  }

  @Test
  void aResultBeforeEventsAndJobFinishesTheJobAndLateRecordsDoNotReopenIt() {
    // Given the result first (a fast job; results is another topic)
    Fold f = new Fold();
    Step first = f.apply(result("acme", JobStatus.COMPLETED));
    assertThat(first.becameOwned()).isTrue(); // The result names the owner
    assertThat(first.becameTerminal()).isTrue();
    // When its events and its job record arrive late
    f.all(event(EventTypes.PANEL_ADDED), event(EventTypes.COMPLETED));
    Step job = f.apply(submitted("acme"));
    // Then the job stays completed and keeps its place in lists and retention; the job record adds only
    // what the result could not know: how it was submitted (its idempotency key now names it)
    assertThat(f.state.status()).isEqualTo(JobStatus.COMPLETED);
    assertThat(job.change()).isEqualTo(Change.UPDATE);
    assertThat(job.becameOwned()).isFalse();
    assertThat(job.becameTerminal()).isFalse();
    assertThat(job.idempotencyKeyBecameKnown()).isTrue();
    assertThat(f.state.submission().idempotencyKey()).isEqualTo("key-1");
    assertThat(f.state.updatedAtMs()).isEqualTo(NOW - 100); // Still the completion time (the retention key)
    assertThat(f.eventsAppended).isEqualTo(2);
    // And a replay of the job record is nothing
    assertThat(f.apply(submitted("acme")).change()).isEqualTo(Change.NONE);
  }

  @Test
  void aTerminalStatusIsNeverOverwrittenByALateEvent() {
    for (JobStatus terminal : List.of(JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)) {
      Fold f = new Fold().all(submitted("acme"), result("acme", terminal));
      f.known = null; // Even when the state has to be read
      f.all(event(EventTypes.PANEL_ADDED), event(EventTypes.ANALYSIS_IN_PROGRESS), event(EventTypes.QUEUED));
      assertThat(f.state.status()).isEqualTo(terminal);
    }
  }

  @Test
  void cancelledStaysWhenAStageFinishesJustAfterTheCancellation() {
    Fold f = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED), result("acme", JobStatus.CANCELLED));
    for (JobStatus late : List.of(JobStatus.COMPLETED, JobStatus.FAILED)) {
      Step step = f.apply(result("acme", late));
      assertThat(step.change()).isEqualTo(Change.NONE);
      assertThat(step.storeResult()).isFalse();
    }
    assertThat(f.state.status()).isEqualTo(JobStatus.CANCELLED);
    assertThat(f.resultsStored).isEqualTo(1);
  }

  @Test
  void aReplayedResultIsAnUpsertOfTheSameOutcome() {
    Fold f = new Fold().all(submitted("acme"), result("acme", JobStatus.COMPLETED));
    Step again = f.apply(result("acme", JobStatus.COMPLETED));
    assertThat(again.change()).isEqualTo(Change.UPDATE);
    assertThat(again.becameTerminal()).isFalse(); // Already in the retention index
    assertThat(f.state.status()).isEqualTo(JobStatus.COMPLETED);
  }

  @Test
  void aResultNamingAnotherTenantIsIgnoredWithAReason() {
    Fold f = new Fold().all(submitted("acme"), event(EventTypes.PANEL_ADDED));
    Step step = f.apply(result("mallory", JobStatus.COMPLETED));
    assertThat(step.change()).isEqualTo(Change.NONE);
    assertThat(step.storeResult()).isFalse();
    assertThat(step.note()).contains("another tenant");
    assertThat(f.state.status()).isEqualTo(JobStatus.RUNNING);
    assertThat(f.state.tenant()).isEqualTo("acme");
  }

  // ---- tombstones ----

  @Test
  void aTombstoneDeletesAHeldJobAndIsNothingForAnUnknownOne() {
    Fold f = new Fold().all(submitted("acme"), result("acme", JobStatus.COMPLETED));
    Step step = f.apply(Tombstone.INSTANCE);
    assertThat(step.change()).isEqualTo(Change.DELETE);
    assertThat(step.previous().status()).isEqualTo(JobStatus.COMPLETED); // What the store unindexes
    assertThat(f.state).isNull();
    assertThat(f.apply(Tombstone.INSTANCE)).isEqualTo(Step.IGNORE);
    assertThat(f.deletes).isEqualTo(1);
  }

  // ---- every arrival order ----

  @Test
  void everyArrivalOrderOfAJobsRecordsEndsInTheSameState() {
    List<JobRecord> records = List.of(submitted("acme"), event(EventTypes.QUEUED), event(EventTypes.PANEL_ADDED),
        event(EventTypes.PANEL_COMPLETED), event(EventTypes.COMPLETED), result("acme", JobStatus.COMPLETED));
    Map<String, Integer> outcomes = new HashMap<>();
    permutations(records, List.of(), order -> {
      Fold f = new Fold().all(order.toArray(JobRecord[]::new));
      assertThat(f.state.status()).as("%s", order).isEqualTo(JobStatus.COMPLETED);
      assertThat(f.state.ownedBy("acme")).as("%s", order).isTrue();
      assertThat(f.state.submission()).as("%s", order).isNotNull();
      assertThat(f.eventsAppended).as("%s", order).isEqualTo(4);
      assertThat(f.resultsStored).as("%s", order).isEqualTo(1);
      outcomes.merge("orders", 1, Integer::sum);
    });
    assertThat(outcomes.get("orders")).isEqualTo(720);
  }

  private static void permutations(List<JobRecord> left, List<JobRecord> prefix,
      java.util.function.Consumer<List<JobRecord>> each) {
    if (left.isEmpty()) {
      each.accept(prefix);
      return;
    }
    for (int i = 0; i < left.size(); i++) {
      List<JobRecord> rest = new java.util.ArrayList<>(left);
      List<JobRecord> next = new java.util.ArrayList<>(prefix);
      next.add(rest.remove(i));
      permutations(rest, next, each);
    }
  }
}
