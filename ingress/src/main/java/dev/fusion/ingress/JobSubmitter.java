package dev.fusion.ingress;

import dev.fusion.common.StageContext;
import dev.fusion.common.contract.FusionJob;
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

  /** Completes once Kafka acknowledged the job; fails with a 503 {@link ApiError} if it did not. */
  public Future<FusionJob> submit(FusionJob job) {
    return Future.fromCompletionStage(ctx.publisher().send(ctx.topics().jobs(), job.jobId(), job))
        .map(ack -> {
          view.accepted(job);
          return job;
        })
        .recover(e -> {
          LOG.warn("job {} not accepted: Kafka did not acknowledge it", job.jobId(), e);
          return Future.failedFuture(new ApiError(503, "service_unavailable", "kafka_unavailable", null,
              "The job could not be stored durably; it was not accepted. Retry later."));
        });
  }
}
