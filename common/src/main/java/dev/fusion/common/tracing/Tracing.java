package dev.fusion.common.tracing;

import dev.fusion.common.config.TracingSettings;
import dev.fusion.common.logging.JobTrace;

/**
 * A process's spans: {@link #OFF} (the default) or exported over OTLP ({@link #create}). Every stage starts
 * its work on a job with {@link #start}; the span it gets back is a child of the trace the job came with,
 * and its ID is the {@code traceparent} the stage writes downstream, so the exported spans of all the
 * processes form one tree per job.
 *
 * <p>Off, nothing of the OpenTelemetry SDK is loaded and {@link #start} is what the stages did without it:
 * {@link JobTrace#nextSpan()} (or a new trace), a {@link JobTrace} being its own, unexported, span.
 */
public interface Tracing extends AutoCloseable {
  /** A span's kind: a stage's own work, or a call it makes to a model provider. */
  enum Kind { INTERNAL, SERVER, CONSUMER, CLIENT }

  String JOB_ID = "fusion.job_id";
  String TENANT = "fusion.tenant";
  String BATCH_ID = "fusion.batch_id";
  String STAGE = "fusion.stage";
  String MODEL = "fusion.model";
  String OUTCOME = "fusion.outcome";

  /** A model call's span while nothing is exported: nothing to record, and no context of its own (null). */
  StageSpan UNEXPORTED_CALL = () -> null;

  Tracing OFF = new Tracing() {
    @Override
    public StageSpan start(String name, Kind kind, JobTrace parent, String tenant, String batchId, String jobId) {
      return parent == null ? JobTrace.newTrace(tenant, batchId) : parent.nextSpan().withTenant(tenant);
    }

    @Override
    public StageSpan modelCall(String stage, String model, JobTrace parent) {
      return UNEXPORTED_CALL;
    }

    @Override
    public boolean exporting() {
      return false;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
      return "tracing off";
    }
  };

  /**
   * Tracing as {@code settings} say: {@link #OFF} unless they enable export, else an OTLP exporter
   * ({@code serviceName} unless the settings name the service).
   */
  static Tracing create(TracingSettings settings, String serviceName) {
    // OtlpTracing (and with it the SDK) is only loaded here, when export is on.
    return settings == null || !settings.enabled() ? OFF : OtlpTracing.create(settings, serviceName);
  }

  /**
   * Starts the span of {@code name}: a child of {@code parent} (a record's or a request's trace; null for a
   * new trace), with the job's tenant, batch and ID as attributes where known.
   */
  StageSpan start(String name, Kind kind, JobTrace parent, String tenant, String batchId, String jobId);

  /** A stage's work on a consumed record or a request. */
  default StageSpan start(String name, JobTrace parent, String jobId) {
    return start(name, Kind.INTERNAL, parent, parent == null ? null : parent.tenant(),
        parent == null ? null : parent.batchId(), jobId);
  }

  /**
   * A call to a model provider made in the work of {@code parent} (the stage's span, captured when the work
   * began: calls complete on other threads): a client span, its child, with the model and stage as
   * attributes. Unexported (or outside any job's work) it is {@link #UNEXPORTED_CALL}.
   */
  default StageSpan modelCall(String stage, String model, JobTrace parent) {
    if (parent == null) {
      return UNEXPORTED_CALL;
    }
    return start("chat " + model, Kind.CLIENT, parent, parent.tenant(), parent.batchId(), null)
        .attribute(STAGE, stage).attribute(MODEL, model);
  }

  /** Whether spans are exported (what a hot path checks before it spends anything on one). */
  boolean exporting();

  /** Exports what is pending, within a bounded time, and stops. */
  @Override
  void close();
}
