package dev.fusion.ingress.view;

import dev.fusion.common.Json;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;

/**
 * The jobs view's domain fold, pure (no Kafka, no RocksDB, no clock): given what the view knows of a job
 * and one record of the jobs, events or results topic, the job's next state and what to write. Every
 * rule of the view lives here:
 *
 * <ul>
 *   <li>Status only moves forward: {@code queued} (job record) → {@code running} (any stage event but
 *       {@code response.queued}) → terminal (result record only; a terminal event never finishes a job).
 *   <li>An event never changes the status of a job that has started, so for such a job it is only
 *       appended to the job's event log. The view remembers the status of recent jobs and passes it as
 *       {@code known}: when that decides the step, the job's stored state is never read. That is the
 *       view's speed-up (11 of a job's ~12 events), and it is a rule of this fold, not a way around it: a
 *       future event that changes a started job's status changes this rule, and the view follows.
 *   <li>A job record that arrives after the first event fills in the owner; until then the job is
 *       nobody's. A result naming another tenant than the owner is ignored.
 *   <li>{@code cancelled} is never replaced by another result; records of jobs older than the retention
 *       (plus a day) that the view does not hold are ignored, so retained-away jobs do not come back.
 * </ul>
 */
public final class JobStateMachine {
  private final long maxAgeMs;

  /** @param maxAgeMs records older than this of jobs the view does not hold belong to retained-away jobs */
  public JobStateMachine(long maxAgeMs) {
    this.maxAgeMs = maxAgeMs;
  }

  /** One record of a job, as the view reads it. */
  public sealed interface JobRecord permits Submitted, Event, Result, Tombstone {}

  /** The job itself (fusion.jobs). */
  public record Submitted(FusionJob job) implements JobRecord {}

  /**
   * An event (fusion.events): its type and time, read with a streaming parser that stops before the
   * event's data (which may carry a whole panel answer); the view stores events as the bytes they
   * arrived in and builds them only for a replay or a live listener.
   */
  public record Event(String type, long timestampMs) implements JobRecord {
    public static Event of(byte[] json) {
      // These fields come before the data, where the parser stops; the contract's own check judges them.
      String[] f = Json.topLevelFields(json, "schema_version", "job_id", "type", "timestamp_ms");
      long timestampMs = f[3] == null ? 0 : Long.parseLong(f[3]);
      new FusionEvent(version(f[0]), f[1], f[2], timestampMs, null).validate();
      return new Event(f[2], timestampMs);
    }
  }

  /**
   * What the view keeps of a result (fusion.results) in the job's state; the result itself is stored as
   * the bytes it arrived in, so it is not built and the job's state is not re-serialized with it.
   */
  public record Result(String tenant, JobStatus status, long acceptedAtMs, long completedAtMs)
      implements JobRecord {
    public static Result of(byte[] json) {
      String[] f = Json.topLevelFields(json, "tenant", "status", "accepted_at_ms", "completed_at_ms",
          "schema_version", "job_id");
      long acceptedAtMs = f[2] == null ? 0 : Long.parseLong(f[2]);
      long completedAtMs = f[3] == null ? 0 : Long.parseLong(f[3]);
      // The contract's own check, on the fields read (the result itself is built only for a reader).
      FusionResult.validateHeader(version(f[4]), f[5], f[1]);
      return new Result(f[0], JobStatus.ofResult(f[1]), acceptedAtMs, completedAtMs);
    }
  }

  /** A results tombstone: retention removed the job. */
  public record Tombstone() implements JobRecord {
    public static final Tombstone INSTANCE = new Tombstone();
  }

  /** A schema version as read by {@link Json#topLevelFields}; 0 (unknown) when absent or not a number. */
  private static int version(String field) {
    try {
      return field == null ? 0 : Integer.parseInt(field);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The job's stored state, read only when a step needs it (null: the view does not hold the job). */
  @FunctionalInterface
  public interface States {
    JobView state(String jobId);
  }

  /** What folding one record does. */
  public enum Change {
    /** The job's state stays as it is (it is not even read when {@code known} decided the step). */
    NONE,
    /** The job's state becomes {@link Step#next()}. */
    UPDATE,
    /** The job and everything indexed for it goes. */
    DELETE
  }

  /**
   * One step of the fold. {@code previous} is the state before (when it was read), {@code next} the state
   * after an {@code UPDATE}; {@code appendEvent} and {@code storeResult} say whether the record itself is
   * stored (an event in the job's log, a result beside its state); {@code note} is a reason worth a log
   * line when a record was ignored for something other than age.
   */
  public record Step(Change change, JobView previous, JobView next, boolean appendEvent, boolean storeResult,
      String note) {
    static final Step IGNORE = new Step(Change.NONE, null, null, false, false, null);
    static final Step APPEND_EVENT = new Step(Change.NONE, null, null, true, false, null);

    static Step update(JobView previous, JobView next, boolean appendEvent, boolean storeResult) {
      return new Step(Change.UPDATE, previous, next, appendEvent, storeResult, null);
    }

    static Step ignored(String note) {
      return new Step(Change.NONE, null, null, false, false, note);
    }

    /** The job's owner became known: it joins the owner's list (and its idempotency key, if any). */
    public boolean becameOwned() {
      return change == Change.UPDATE && next.tenant() != null && (previous == null || previous.tenant() == null);
    }

    /** The job's idempotency key became known with its owner: from now on the key names this job. */
    public boolean idempotencyKeyBecameKnown() {
      return change == Change.UPDATE && next.tenant() != null && idempotencyKey(next) != null
          && (previous == null || previous.tenant() == null || idempotencyKey(previous) == null);
    }

    private static String idempotencyKey(JobView view) {
      return view.submission() == null ? null : view.submission().idempotencyKey();
    }

    /** The job just finished: it joins the retention index. */
    public boolean becameTerminal() {
      return change == Change.UPDATE && next.isTerminal() && (previous == null || !previous.isTerminal());
    }
  }

  /**
   * Folds one record into a job.
   *
   * @param known the job's status if the caller remembers it (null when not): enough to decide the step
   *     for an event of a started job, which then never reads {@code states}
   * @param states the job's stored state, asked only when the step depends on it
   * @param nowMs the time of the fold (the job's last update; the cut-off for retained-away jobs)
   */
  public Step apply(String jobId, JobStatus known, States states, JobRecord record, long nowMs) {
    if (record instanceof Event e) {
      return event(jobId, known, states, e, nowMs);
    }
    JobView current = states.state(jobId);
    if (record instanceof Submitted s) {
      return submitted(jobId, current, s.job(), nowMs);
    }
    if (record instanceof Result r) {
      return result(jobId, current, r);
    }
    return current == null ? Step.IGNORE : new Step(Change.DELETE, current, null, false, false, null);
  }

  private Step event(String jobId, JobStatus known, States states, Event event, long nowMs) {
    if (known != null && known.hasStarted()) {
      return Step.APPEND_EVENT; // Decided by the status alone: no read of the state.
    }
    JobView current = states.state(jobId);
    if (current == null && event.timestampMs() < nowMs - maxAgeMs) {
      return Step.IGNORE; // An event of a job already retained away (a rebuild re-reads it).
    }
    if (current != null && current.status().hasStarted()) {
      return Step.APPEND_EVENT;
    }
    if (EventTypes.QUEUED.equals(event.type()) || EventTypes.isTerminal(event.type())) {
      return Step.APPEND_EVENT; // Terminal status comes with the result record, never from an event alone.
    }
    JobView running = current == null
        ? new JobView(jobId, null, JobStatus.RUNNING, event.timestampMs(), nowMs, null, null, null)
        : new JobView(jobId, current.tenant(), JobStatus.RUNNING, current.acceptedAtMs(), nowMs, null,
            current.submission(), current.rejudgeOf());
    return Step.update(current, running, true, false);
  }

  private Step submitted(String jobId, JobView current, FusionJob job, long nowMs) {
    if (current == null) {
      if (job.acceptedAtMs() < nowMs - maxAgeMs) {
        return Step.IGNORE; // Retained away already; a rebuild must not bring it back as queued.
      }
      return Step.update(null, new JobView(jobId, job.tenant(), JobStatus.QUEUED, job.acceptedAtMs(), nowMs, null,
          job.submission(), job.rejudgeOf()), false, false);
    }
    boolean ownerNew = current.tenant() == null;
    // A result that overtook the job record named the owner but could not know the submission details.
    boolean submissionNew = current.submission() == null && job.submission() != null
        && (ownerNew || current.tenant().equals(job.tenant()));
    if (!ownerNew && !submissionNew) {
      return Step.IGNORE;
    }
    // Events (or a result) came before the job record: now the owner, or how it was submitted, is known.
    return Step.update(current, new JobView(jobId, ownerNew ? job.tenant() : current.tenant(), current.status(),
        ownerNew ? job.acceptedAtMs() : current.acceptedAtMs(),
        !ownerNew || current.isTerminal() ? current.updatedAtMs() : nowMs, current.result(), job.submission(),
        current.rejudgeOf() != null ? current.rejudgeOf() : job.rejudgeOf()), false, false);
  }

  private Step result(String jobId, JobView current, Result result) {
    if (current != null && current.isCancelled() && result.status() != JobStatus.CANCELLED) {
      return Step.IGNORE; // A stage that finished just as the job was cancelled: cancelled stays.
    }
    if (current != null && current.tenant() != null && !current.tenant().equals(result.tenant())) {
      // Only the job's own pipeline writes its result, and that carries the job's tenant.
      return Step.ignored("a result for job " + jobId + " names another tenant");
    }
    // The completion time stands in as the last update: the result itself is stored beside the state.
    return Step.update(current, new JobView(jobId, result.tenant(), result.status(), result.acceptedAtMs(),
        result.completedAtMs(), null, current == null ? null : current.submission(),
        current == null ? null : current.rejudgeOf()), false, true);
  }
}
