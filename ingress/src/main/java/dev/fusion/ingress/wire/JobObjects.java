package dev.fusion.ingress.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.ingress.view.JobStatus;
import dev.fusion.ingress.view.JobView;

/**
 * The {@code fusion.job} object, the one shape every job answer has: {@code id}, {@code object},
 * {@code status}, {@code created_at}, then what is known: {@code completed_at} once finished,
 * {@code rejudge_of} for a rejudge, {@code poll} in an acceptance, {@code result} in a full job.
 */
public final class JobObjects {
  public static final String OBJECT = "fusion.job";

  private JobObjects() {}

  /** A job as a poll sees it ({@code GET /v1/jobs/{id}}, {@code DELETE}): with its result once there is one. */
  public static ObjectNode job(JobView job) {
    ObjectNode body = summary(job);
    if (job.result() != null) {
      body.set("result", Json.MAPPER.valueToTree(job.result()));
    }
    return body;
  }

  /** A job in a list: everything but the result body, which can be large. */
  public static ObjectNode summary(JobView job) {
    ObjectNode body = base(job.jobId(), job.status(), job.acceptedAtMs(), job.rejudgeOf());
    if (job.result() != null) {
      body.put("completed_at", job.result().completedAtMs() / 1000);
    }
    return body;
  }

  /**
   * A job just accepted ({@code 202}: the jobs API, a chat completion past its wait limit, a rejudge),
   * with where to poll it.
   */
  public static ObjectNode accepted(String jobId, JobStatus status, long createdAtMs, String rejudgeOf) {
    return base(jobId, status, createdAtMs, rejudgeOf).put("poll", "/v1/jobs/" + jobId);
  }

  private static ObjectNode base(String jobId, JobStatus status, long createdAtMs, String rejudgeOf) {
    ObjectNode body = Json.object().put("id", jobId).put("object", OBJECT).put("status", status.wire())
        .put("created_at", createdAtMs / 1000);
    if (rejudgeOf != null) {
      body.put("rejudge_of", rejudgeOf);
    }
    return body;
  }
}
