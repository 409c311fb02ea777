package dev.fusion.ingress;

import dev.fusion.common.Json;
import dev.fusion.common.contract.FusionJob;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /v1/jobs} and {@code GET /v1/jobs/{id}}. */
final class JobsRoutes {
  private final JobRequests requests;
  private final JobSubmitter submitter;
  private final JobsView view;

  JobsRoutes(JobRequests requests, JobSubmitter submitter, JobsView view) {
    this.requests = requests;
    this.submitter = submitter;
    this.view = view;
  }

  void mount(Router router) {
    router.post("/v1/jobs").handler(this::submit);
    router.get("/v1/jobs/:id").handler(this::poll);
  }

  private void submit(RoutingContext rc) {
    FusionJob job = requests.toJob(JobRequests.parseBody(rc.body().asString()), Tenants.of(rc));
    submitter.submit(job)
        .onSuccess(accepted -> {
          rc.response().putHeader("Location", "/v1/jobs/" + job.jobId());
          HttpApi.json(rc, 202, Json.object().put("id", job.jobId()).put("object", "fusion.job")
              .put("status", JobView.QUEUED).put("created_at", job.acceptedAtMs() / 1000));
        })
        .onFailure(rc::fail);
  }

  private void poll(RoutingContext rc) {
    String id = rc.pathParam("id");
    JobView job = view.read(id);
    if (job == null || (job.tenant() != null && !job.tenant().equals(Tenants.of(rc)))) {
      // Another tenant's job is indistinguishable from a missing one.
      throw ApiError.notFound("job_not_found", "No job with id '" + id + "'.");
    }
    HttpApi.json(rc, 200, JobResponses.job(job));
  }
}
