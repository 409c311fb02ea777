package dev.fusion.ingress.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.http.QueryParams;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.http.Paging;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.ingress.wire.JobObjects;
import dev.fusion.ingress.wire.ListObjects;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;

/** The jobs API: submit, poll, list the caller's jobs, cancel. */
public final class JobsRoutes implements Routes {
  /** The statuses a list may filter on, as the error names them. */
  private static final List<String> STATUSES = Arrays.stream(JobStatus.values()).map(JobStatus::wire).toList();
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;

  private final JobRequests requests;
  private final JobSubmitter submitter;
  private final Idempotency idempotency;
  private final JobsView view;

  public JobsRoutes(JobRequests requests, JobSubmitter submitter, Idempotency idempotency, JobsView view) {
    this.requests = requests;
    this.submitter = submitter;
    this.idempotency = idempotency;
    this.view = view;
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/jobs").handler(QueryParams.only()).handler(this::submit);
    router.get("/v1/jobs").handler(QueryParams.only("status", "limit", "after")).handler(this::list);
    router.get("/v1/jobs/:id").handler(QueryParams.only()).handler(this::poll);
    router.delete("/v1/jobs/:id").handler(QueryParams.only()).handler(this::cancel);
  }

  private void submit(RoutingContext rc) {
    String tenant = Tenants.of(rc);
    String key = Idempotency.key(rc);
    JsonNode body = JobRequests.parseBody(rc.body().asString());
    idempotency.submit(tenant, key, body, submission -> requests.toJob(body, tenant).withSubmission(submission),
            HttpApi.trace(submitter.tracing(), rc, tenant))
        .onSuccess(outcome -> {
          rc.response().putHeader("Location", "/v1/jobs/" + outcome.jobId());
          if (outcome.replayed()) {
            rc.response().putHeader("Idempotent-Replayed", "true");
          }
          // A job accepted just now is queued; only a replay can be further along (and costs a read).
          JobView now = outcome.replayed() ? view.read(outcome.jobId()) : null;
          HttpApi.json(rc, 202, JobObjects.accepted(outcome.jobId(), now == null ? JobStatus.QUEUED : now.status(),
              outcome.createdAtMs(), now == null ? null : now.rejudgeOf()));
        })
        .onFailure(rc::fail);
  }

  private void poll(RoutingContext rc) {
    HttpApi.json(rc, 200, JobObjects.job(owned(view, rc)));
  }

  private void list(RoutingContext rc) {
    String rawStatus = rc.queryParams().get("status");
    JobStatus status = rawStatus == null ? null : JobStatus.parse(rawStatus);
    if (rawStatus != null && status == null) {
      throw ApiError.invalid("status", "invalid_value", "status must be one of " + STATUSES + ".");
    }
    Paging paging = Paging.of(rc, DEFAULT_LIMIT, MAX_LIMIT);
    JobsView.Page page = view.list(Tenants.of(rc), status, paging.limit(),
        JobRequests.isJobId(paging.after()) ? paging.after() : null);
    HttpApi.json(rc, 200, ListObjects.page(page.jobs().stream().map(JobObjects::summary).toList(), page.hasMore()));
  }

  private void cancel(RoutingContext rc) {
    JobView job = owned(view, rc);
    if (job.isCancelled()) {
      HttpApi.json(rc, 200, JobObjects.job(job)); // Cancelling twice is harmless.
      return;
    }
    if (job.isTerminal()) {
      throw ApiError.conflict("job_already_finished", "Job '" + job.jobId() + "' already finished with status '"
          + job.status() + "'; it cannot be cancelled.");
    }
    submitter.cancel(job).onSuccess(cancelled -> HttpApi.json(rc, 200, JobObjects.job(cancelled)))
        .onFailure(rc::fail);
  }

  /**
   * The one guard of every route that takes a job ID ({@code :id}): the caller's job, or a 404. An ID
   * that is not a job ID is never looked up, and another tenant's job is indistinguishable from a
   * missing one.
   */
  static JobView owned(JobsView view, RoutingContext rc) {
    String id = rc.pathParam("id");
    JobView job = JobRequests.isJobId(id) ? view.read(id) : null;
    if (job == null || !job.ownedBy(Tenants.of(rc))) {
      throw ApiError.notFound("job_not_found", "No job with id '" + ApiError.clip(id) + "'.");
    }
    return job;
  }
}
