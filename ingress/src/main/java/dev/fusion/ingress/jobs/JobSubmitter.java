package dev.fusion.ingress.jobs;

import dev.fusion.common.StageContext;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.Events;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.JobCancellation;
import dev.fusion.common.contract.Submission;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.metrics.FusionMetrics;
import dev.fusion.common.tracing.StageSpan;
import dev.fusion.common.tracing.Tracing;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts a validated job: publishes it durably and records it in the local view. Every way in (jobs
 * API, chat completions, the requests topic, batches) goes through here, so "accepted" means the same
 * thing everywhere: Kafka acknowledged it.
 */
public final class JobSubmitter {
  private static final Logger LOG = LoggerFactory.getLogger(JobSubmitter.class);
  private final StageContext ctx;
  private final JobsView view;

  public JobSubmitter(StageContext ctx, JobsView view) {
    this.ctx = ctx;
    this.view = view;
  }

  /**
   * Cancels a job that has not finished: the cancellation record first (workers stop working on it), then
   * the {@code cancelled} result and the terminal event. Completes once Kafka acknowledged all three.
   */
  public Future<JobView> cancel(JobView job) {
    long now = System.currentTimeMillis();
    String id = job.jobId();
    FusionResult result = FusionResult.cancelled(id, job.tenant(), job.acceptedAtMs(), now).withReply(job.submission());
    var topics = ctx.topics();
    var publisher = ctx.publisher();
    return Future.fromCompletionStage(publisher.send(topics.cancellations(), id,
            new JobCancellation(JobCancellation.SCHEMA_VERSION, id, job.tenant(), now))
        .thenCompose(x -> publisher.send(topics.results(), id, result))
        .thenCompose(x -> publisher.send(topics.events(), id, Events.of(id, EventTypes.CANCELLED,
            d -> d.put("status", FusionResult.CANCELLED)))))
        .map(x -> {
          ctx.metrics().jobFinished(FusionResult.CANCELLED, null, job.acceptedAtMs());
          JobView cancelled = new JobView(id, job.tenant(), JobStatus.CANCELLED, job.acceptedAtMs(), now, result,
              job.submission(), job.rejudgeOf());
          view.recordLocally(cancelled);
          return cancelled;
        })
        .recover(e -> {
          LOG.warn("cancelling job {} failed: Kafka did not acknowledge it", id, e);
          return Future.failedFuture(new ApiError(503, "service_unavailable", "kafka_unavailable", null,
              "The cancellation could not be stored durably; retry."));
        });
  }

  /**
   * Completes once Kafka acknowledged the job; fails with a 503 {@link ApiError} if it did not (within the
   * send timeout), or at once while Kafka is known to be unreachable: nothing is sent then, so a job the
   * client was refused can never run later.
   */
  public Future<FusionJob> submit(FusionJob job) {
    return submit(job, JobTrace.newTrace(job.tenant(), null));
  }

  /** The process's spans: what ingress's span of a request (or a batch line) is started with. */
  public Tracing tracing() {
    return ctx.tracing();
  }

  /**
   * As {@link #submit(FusionJob)}, the job's record carrying {@code trace} (ingress's span of the request's
   * trace, the tenant and batch) in its headers, from where every stage continues it; counted under the
   * channel it came by (http or kafka). The span ends when the job is accepted or refused.
   */
  public Future<FusionJob> submit(FusionJob job, StageSpan trace) {
    Submission how = job.submission();
    return submit(job, how != null && Submission.KAFKA.equals(how.channel()) ? FusionMetrics.SOURCE_KAFKA
        : FusionMetrics.SOURCE_HTTP, trace);
  }

  /** The same, counting the job under {@code source} ({@link FusionMetrics#SOURCE_BATCH}, ...) once accepted. */
  public Future<FusionJob> submit(FusionJob job, String source, StageSpan span) {
    JobTrace t = span.job(job.jobId()).trace().withTenant(job.tenant());
    t.enter(job.jobId());
    try {
      LOG.debug("submitting job ({} panel models)", job.analysisModels().size());
      Future<FusionJob> sent = send(job, source, t);
      // Unexported, the span has nothing to end: no callback is added.
      return ctx.tracing().exporting() ? sent.andThen(ar -> span.end(ar.cause())) : sent;
    } catch (RuntimeException e) {
      span.end(e);
      throw e;
    } finally {
      JobTrace.exit();
    }
  }

  private Future<FusionJob> send(FusionJob job, String source, JobTrace trace) {
    if (ctx.kafkaReachability().isKnownUnreachable()) {
      return Future.failedFuture(kafkaUnavailable());
    }
    return Future.fromCompletionStage(ctx.publisher().send(ctx.topics().jobs(), job.jobId(), job, trace.headers()))
        .map(ack -> {
          ctx.metrics().jobAccepted(source);
          view.accepted(job);
          return job;
        })
        .recover(e -> {
          trace.enter(job.jobId()); // Another thread (the producer's): the job's fields for the line.
          try {
            LOG.warn("job {} not accepted: Kafka did not acknowledge it: {}", job.jobId(), e.toString());
          } finally {
            JobTrace.exit();
          }
          if (dev.fusion.common.kafka.FailureKind.classify(e) == dev.fusion.common.kafka.FailureKind.POISON) {
            // Kafka refused the record itself (too large for the topic): retrying cannot help.
            return Future.failedFuture(new ApiError(413, "invalid_request_error", "request_too_large", "messages",
                "The job is larger than the jobs topic accepts; it was not accepted."));
          }
          return Future.failedFuture(kafkaUnavailable());
        });
  }

  private static ApiError kafkaUnavailable() {
    return new ApiError(503, "service_unavailable", "kafka_unavailable", null,
        "The job could not be stored durably; it was not accepted. Retry later.").withHeader("Retry-After", "5");
  }
}
