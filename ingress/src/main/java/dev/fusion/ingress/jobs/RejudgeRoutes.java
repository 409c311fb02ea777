package dev.fusion.ingress.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.StageContext;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.common.contract.PanelAnswer;
import dev.fusion.common.contract.PanelSet;
import dev.fusion.common.contract.Usage;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.http.QueryParams;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.request.DeliberationRequest;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.request.Limits;
import dev.fusion.ingress.request.RequestReader;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.ingress.wire.JobObjects;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/jobs/{id}/rejudge}: judge (and synthesize) a finished job's stored panel answers again
 * with another judge and/or synthesizer. No panel model is called: the rebuilt panel set goes straight
 * to the panels topic, so the judge caller and the synthesizer produce a new job's result, linked to the
 * original by {@code rejudge_of}.
 */
public final class RejudgeRoutes implements Routes {
  static final String REUSED = "reused";
  private static final Set<String> FIELDS = Set.of("model", "synthesizer");

  private final StageContext ctx;
  private final JobsView view;
  private final Limits limits;

  public RejudgeRoutes(StageContext ctx, JobsView view, Limits limits) {
    this.ctx = ctx;
    this.view = view;
    this.limits = limits;
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/jobs/:id/rejudge").handler(QueryParams.only()).handler(this::rejudge);
  }

  private void rejudge(RoutingContext rc) {
    String body = rc.body().asString();
    JsonNode request = body == null || body.isBlank() ? dev.fusion.common.Json.object() : JobRequests.parseBody(body);
    JobView original = JobsRoutes.owned(view, rc);
    FusionJob job = rejudgeJob(original, request, Tenants.of(rc), limits);
    PanelSet panel = reusedPanel(job, original.result());
    // The new job's trace starts here (the request's traceparent, if valid): its panel set carries it.
    var span = HttpApi.trace(ctx.tracing(), rc, job.tenant()).job(job.jobId());
    Future.fromCompletionStage(ctx.publisher().send(ctx.topics().panels(), job.jobId(), panel, span.trace().headers()))
        .andThen(ar -> span.end(ar.cause()))
        .recover(e -> Future.failedFuture(new ApiError(503, "service_unavailable", "kafka_unavailable", null,
            "The rejudge could not be stored durably; it was not accepted. Retry later.")))
        .onFailure(rc::fail)
        .onSuccess(ack -> {
          ctx.metrics().jobAccepted(dev.fusion.common.metrics.FusionMetrics.SOURCE_HTTP);
          view.accepted(job);
          rc.response().putHeader("Location", "/v1/jobs/" + job.jobId());
          HttpApi.json(rc, 202, JobObjects.accepted(job.jobId(), JobStatus.QUEUED, job.acceptedAtMs(), job.rejudgeOf()));
        });
  }

  /** The new job: the original conversation and panel, another judge and/or synthesizer. Pure. */
  static FusionJob rejudgeJob(JobView original, JsonNode request, String tenant, Limits limits) {
    for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) {
        throw RequestReader.unknown(RequestReader.shown(f));
      }
    }
    FusionResult result = original.result();
    if (result == null) {
      throw new ApiError(409, "invalid_request_error", "job_not_finished", null,
          "Job " + original.jobId() + " has no result yet; rejudge it once it finished.");
    }
    if (result.job() == null || result.responses() == null || result.responses().isEmpty()) {
      throw new ApiError(409, "invalid_request_error", "no_panel_answers", null,
          "Job " + original.jobId() + " has no stored panel answers to judge again.");
    }
    FusionJob old = result.job();
    String judge = chosen(request, "model", old.judgeModel(), limits);
    String synth = chosen(request, "synthesizer", old.synthesizerModel(), limits);
    // The outer call's own settings and the failure policy carry over; the routing call's cost does not
    // (no routing call is made again).
    var outer = old.outer() == null ? null
        : new dev.fusion.common.contract.OuterCall(old.outer().temperature(), old.outer().maxCompletionTokens(),
            old.outer().tools(), null, null);
    return new FusionJob(FusionJob.SCHEMA_VERSION, JobRequests.newJobId(), tenant, old.messages(),
        old.analysisModels(), judge, synth, old.temperature(), old.maxCompletionTokens(), System.currentTimeMillis(),
        old.maxToolCalls(), old.reasoning(), original.jobId(), null, outer, old.webTools(), old.onFailure());
  }

  /** The model the request names (checked as every way in checks a model), else the original job's. */
  private static String chosen(JsonNode request, String field, String original, Limits limits) {
    String named = JobRequests.optionalString(request, field, null);
    return named == null ? original : DeliberationRequest.served(named, field, limits);
  }

  /**
   * The original panel rebuilt from the result, in panel order. Reused answers carry zero usage and
   * latency: this job spent nothing on them (their cost is on the original job).
   */
  static PanelSet reusedPanel(FusionJob job, FusionResult original) {
    List<FusionResult.PanelResponse> responses = new ArrayList<>(original.responses());
    List<FusionResult.FailedModel> failed = new ArrayList<>(
        original.failedModels() == null ? List.of() : original.failedModels());
    long now = job.acceptedAtMs();
    List<PanelAnswer> answers = new ArrayList<>();
    List<String> models = job.analysisModels();
    for (int i = 0; i < models.size(); i++) {
      String model = models.get(i);
      // The same model may sit on a panel twice: take each stored answer once, in order.
      FusionResult.PanelResponse r = take(responses, model, FusionResult.PanelResponse::model);
      if (r != null) {
        answers.add(PanelAnswer.success(job.jobId(), i, model, r.respondingModel(), r.content(), Usage.ZERO, now, now));
        continue;
      }
      FusionResult.FailedModel f = take(failed, model, FusionResult.FailedModel::model);
      answers.add(PanelAnswer.failure(job.jobId(), i, model, f == null ? "timeout" : f.reason(),
          f == null ? null : f.status(), f == null ? "no stored answer" : f.error(), now, now));
    }
    return new PanelSet(PanelSet.SCHEMA_VERSION, job.jobId(), job, answers, REUSED, now);
  }

  private static <T> T take(List<T> items, String model, java.util.function.Function<T, String> modelOf) {
    for (Iterator<T> it = items.iterator(); it.hasNext(); ) {
      T item = it.next();
      if (model.equals(modelOf.apply(item))) {
        it.remove();
        return item;
      }
    }
    return null;
  }
}
