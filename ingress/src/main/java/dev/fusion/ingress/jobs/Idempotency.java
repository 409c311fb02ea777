package dev.fusion.ingress.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.contract.FusionJob;
import dev.fusion.common.contract.Submission;
import dev.fusion.common.logging.JobTrace;
import dev.fusion.common.tracing.StageSpan;
import dev.fusion.ingress.IngressOptions;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.ApiKeys;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@code Idempotency-Key} for job submissions (the jobs API and chat completions share it). The key and
 * a hash of the request travel with the job on the jobs topic, so every ingress instance's view knows
 * them: within {@link IngressOptions#IDEMPOTENCY_WINDOW} the same key with the same request returns the
 * same job, and with a different request is a 409. Concurrent requests with one key on one instance
 * are serialized; two instances can each accept a first request with the same key only if both arrive
 * before either has read the other's job from Kafka (typically well under a second).
 */
public final class Idempotency {
  public static final String HEADER = "Idempotency-Key";

  /** The submitted (or earlier) job's ID; {@code replayed} when the key named an existing job. */
  public record Outcome(String jobId, long createdAtMs, boolean replayed) {}

  private final JobsView view;
  private final JobSubmitter submitter;
  private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

  private record Pending(String requestHash, Future<Outcome> outcome) {}

  public Idempotency(JobsView view, JobSubmitter submitter) {
    this.view = view;
    this.submitter = submitter;
  }

  /** The request's idempotency key, or null; a malformed key is a 400. */
  public static String key(RoutingContext rc) {
    String key = rc.request().getHeader(HEADER);
    if (key == null) {
      return null;
    }
    if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw ApiError.invalid(HEADER, "invalid_idempotency_key",
          "Idempotency-Key must be 1 to 255 printable ASCII characters without spaces.");
    }
    return key;
  }

  /**
   * Submits the job {@code build} makes (given the submission details to embed), unless {@code key}
   * names an earlier job of this tenant. Validation errors from {@code build} surface as they are.
   */
  public Future<Outcome> submit(String tenant, String key, JsonNode request, Function<Submission, FusionJob> build) {
    return submit(tenant, key, request, build, JobTrace.newTrace(tenant, null));
  }

  /**
   * As above, the job carrying {@code trace} (ingress's span of the HTTP request, see
   * {@link JobSubmitter#submit(FusionJob, StageSpan)}), which ends when the request is decided.
   */
  public Future<Outcome> submit(String tenant, String key, JsonNode request, Function<Submission, FusionJob> build,
      StageSpan trace) {
    FusionJob job;
    String hash = key == null ? null : requestHash(request);
    try {
      job = build.apply(Submission.http(key, hash));
    } catch (ApiError e) {
      trace.end(e);
      return Future.failedFuture(e);
    }
    if (key == null) {
      return submitter.submit(job, trace).map(j -> new Outcome(j.jobId(), j.acceptedAtMs(), false));
    }
    String slot = tenant + "\n" + key;
    Promise<Outcome> promise = Promise.promise();
    Pending mine = new Pending(hash, promise.future());
    Pending earlier = pending.putIfAbsent(slot, mine);
    if (earlier != null) {
      // The same key is being submitted right now on this instance: share its outcome.
      trace.job(job.jobId()).end(null);
      return earlier.requestHash().equals(hash)
          ? earlier.outcome().map(o -> new Outcome(o.jobId(), o.createdAtMs(), true))
          : Future.failedFuture(mismatch());
    }
    Future<Outcome> outcome;
    try {
      outcome = decide(tenant, key, hash, job, trace);
    } catch (RuntimeException e) {
      outcome = Future.failedFuture(e);
    }
    return outcome.andThen(x -> pending.remove(slot, mine)).andThen(promise);
  }

  private Future<Outcome> decide(String tenant, String key, String hash, FusionJob job, StageSpan trace) {
    Outcome earlier;
    try {
      earlier = earlier(tenant, key, hash);
    } catch (RuntimeException e) {
      trace.end(e);
      throw e;
    }
    if (earlier != null) {
      trace.job(earlier.jobId()).end(null); // a replay: nothing submitted
      return Future.succeededFuture(earlier);
    }
    return submitter.submit(job, trace).map(j -> new Outcome(j.jobId(), j.acceptedAtMs(), false));
  }

  /**
   * The job {@code key} already named for this request, if any (a replay), or null: what a route checks
   * before it spends anything on a request (a chat completion's routing call). The same key with a
   * different request is the 409 {@link #submit} answers.
   */
  public Outcome earlier(String tenant, String key, JsonNode request) {
    return key == null ? null : earlier(tenant, key, requestHash(request));
  }

  private Outcome earlier(String tenant, String key, String hash) {
    String earlierId = view.jobForIdempotencyKey(tenant, key);
    JobView earlier = earlierId == null ? null : view.read(earlierId);
    long windowStart = System.currentTimeMillis() - IngressOptions.IDEMPOTENCY_WINDOW.toMillis();
    if (earlier != null && earlier.ownedBy(tenant) && earlier.acceptedAtMs() >= windowStart) {
      String earlierHash = earlier.submission() == null ? null : earlier.submission().requestHash();
      if (!hash.equals(earlierHash)) {
        throw mismatch();
      }
      return new Outcome(earlier.jobId(), earlier.acceptedAtMs(), true);
    }
    return null;
  }

  private static ApiError mismatch() {
    return ApiError.conflict("idempotency_key_reused", "This Idempotency-Key was already used with a different "
        + "request body in the last 24 hours; use a new key for a new request.");
  }

  /** SHA-256 of the request with object keys sorted, so key order and whitespace do not matter. */
  public static String requestHash(JsonNode request) {
    return ApiKeys.sha256Hex(Json.toString(canonical(request)));
  }

  private static JsonNode canonical(JsonNode node) {
    if (node.isObject()) {
      ObjectNode sorted = Json.object();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      for (String name : names) {
        sorted.set(name, canonical(node.get(name)));
      }
      return sorted;
    }
    if (node.isArray()) {
      var array = Json.MAPPER.createArrayNode();
      node.forEach(n -> array.add(canonical(n)));
      return array;
    }
    return node;
  }
}
