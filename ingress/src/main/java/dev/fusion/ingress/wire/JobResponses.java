package dev.fusion.ingress.wire;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.ingress.view.JobView;

/** The JSON shapes ingress answers with for jobs. */
public final class JobResponses {
  private JobResponses() {}

  /** A job in a list: no result body, which can be large. */
  public static ObjectNode summary(JobView job) {
    ObjectNode body = Json.object().put("id", job.jobId()).put("object", "fusion.job").put("status", job.status())
        .put("created_at", job.acceptedAtMs() / 1000);
    if (job.result() != null) {
      body.put("completed_at", job.result().completedAtMs() / 1000);
    }
    return body;
  }

  public static ObjectNode job(JobView job) {
    ObjectNode body = Json.object().put("id", job.jobId()).put("object", "fusion.job").put("status", job.status())
        .put("created_at", job.acceptedAtMs() / 1000);
    if (job.result() != null) {
      body.set("result", Json.MAPPER.valueToTree(job.result()));
    }
    return body;
  }
}
