package dev.fusion.ingress.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.ingress.wire.JobResponses;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** The jobs API: submit, poll, list the caller's jobs, cancel. */
public final class JobsRoutes {
  static final Set<String> STATUSES = Set.of("queued", "running", "completed", "failed", "cancelled");
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

  public void mount(Router router) {
    router.post("/v1/jobs").handler(this::submit);
    router.get("/v1/jobs").handler(this::list);
    router.get("/v1/jobs/:id").handler(this::poll);
    router.delete("/v1/jobs/:id").handler(this::cancel);
  }

  private void submit(RoutingContext rc) {
    String tenant = Tenants.of(rc);
    String key = Idempotency.key(rc);
    JsonNode body = JobRequests.parseBody(rc.body().asString());
    idempotency.submit(tenant, key, body, submission -> requests.toJob(body, tenant).withSubmission(submission))
        .onSuccess(outcome -> {
          rc.response().putHeader("Location", "/v1/jobs/" + outcome.jobId());
          if (outcome.replayed()) {
            rc.response().putHeader("Idempotent-Replayed", "true");
          }
          // A job accepted just now is queued; only a replay can be further along (and costs a read).
          JobView now = outcome.replayed() ? view.read(outcome.jobId()) : null;
          HttpApi.json(rc, 202, Json.object().put("id", outcome.jobId()).put("object", "fusion.job")
              .put("status", now == null ? JobView.QUEUED : now.status())
              .put("created_at", outcome.createdAtMs() / 1000));
        })
        .onFailure(rc::fail);
  }

  private void poll(RoutingContext rc) {
    HttpApi.json(rc, 200, JobResponses.job(owned(view, rc)));
  }

  private void list(RoutingContext rc) {
    String status = rc.queryParams().get("status");
    if (status != null && !STATUSES.contains(status)) {
      throw ApiError.invalid("status", "invalid_value", "status must be one of " + STATUSES + ".");
    }
    int limit = DEFAULT_LIMIT;
    String rawLimit = rc.queryParams().get("limit");
    if (rawLimit != null) {
      try {
        limit = Integer.parseInt(rawLimit);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw ApiError.invalid("limit", "invalid_value", "limit must be an integer from 1 to " + MAX_LIMIT + ".");
      }
    }
    String after = rc.queryParams().get("after");
    JobsView.Page page = view.list(Tenants.of(rc), status, limit,
        after != null && JobRequests.isJobId(after) ? after : null);
    ObjectNode body = Json.object().put("object", "list");
    var data = body.putArray("data");
    page.jobs().forEach(j -> data.add(JobResponses.summary(j)));
    if (page.jobs().isEmpty()) {
      body.putNull("first_id").putNull("last_id");
    } else {
      body.put("first_id", page.jobs().get(0).jobId()).put("last_id", page.jobs().get(page.jobs().size() - 1).jobId());
    }
    body.put("has_more", page.hasMore());
    HttpApi.json(rc, 200, body);
  }

  private void cancel(RoutingContext rc) {
    JobView job = owned(view, rc);
    if (job.isCancelled()) {
      HttpApi.json(rc, 200, JobResponses.job(job)); // Cancelling twice is harmless.
      return;
    }
    if (job.isTerminal()) {
      throw ApiError.conflict("job_already_finished", "Job '" + job.jobId() + "' already finished with status '"
          + job.status() + "'; it cannot be cancelled.");
    }
    submitter.cancel(job).onSuccess(cancelled -> HttpApi.json(rc, 200, JobResponses.job(cancelled)))
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
