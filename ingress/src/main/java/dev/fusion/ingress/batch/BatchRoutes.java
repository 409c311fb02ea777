package dev.fusion.ingress.batch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import dev.fusion.common.StageContext;
import dev.fusion.common.contract.BatchItem;
import dev.fusion.common.contract.BatchState.LineError;
import dev.fusion.common.contract.BatchState;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.HttpApi;
import dev.fusion.ingress.http.QueryParams;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.http.Paging;
import dev.fusion.ingress.http.Tenants;
import dev.fusion.ingress.request.BatchParser;
import dev.fusion.ingress.request.JobRequests;
import dev.fusion.ingress.request.RequestReader;
import dev.fusion.ingress.view.JobsView;
import dev.fusion.ingress.wire.BatchObjects;
import dev.fusion.ingress.wire.ListObjects;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/batches} (streamed JSONL upload), {@code GET /v1/batches}, {@code GET /v1/batches/{id}},
 * {@code GET /v1/batches/{id}/results} and {@code POST /v1/batches/{id}/cancel}. Mounted before the body
 * handler: the upload is read as a stream, line by line, and the request is paused while Kafka has too
 * many unacknowledged items, so a large file never sits in memory.
 */
public final class BatchRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRoutes.class);
  /** Bounded so the batch state record stays far below Kafka's 1 MB message limit. */
  static final int MAX_REPORTED_ERRORS = 500;
  private static final int MAX_ERROR_CHARS = 300;
  private static final int PAUSE_AT = 1000;
  private static final int RESUME_AT = 500;
  private static final int RESULTS_CHUNK = 256;
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private final BatchService batches;
  private final JobRequests requests;
  private final JobsView view;
  private final StageContext ctx;

  public BatchRoutes(BatchService batches, JobRequests requests, JobsView view) {
    this.batches = batches;
    this.requests = requests;
    this.view = view;
    this.ctx = batches.context();
  }

  /** The upload reads its body as a stream, line by line. */
  @Override
  public boolean streamsBody() {
    return true;
  }

  @Override
  public void mount(Router router) {
    router.post("/v1/batches").handler(this::upload);
    router.get("/v1/batches").handler(QueryParams.only("limit", "after")).handler(this::list);
    router.get("/v1/batches/:id").handler(QueryParams.only()).handler(this::status);
    router.get("/v1/batches/:id/results").handler(QueryParams.only()).handler(this::results);
    router.post("/v1/batches/:id/cancel").handler(QueryParams.only()).handler(this::cancel);
  }

  // ---- upload ----

  private void upload(RoutingContext rc) {
    HttpServerRequest req = rc.request();
    req.pause();
    new Upload(rc, BatchParser.settings(queryParams(req), requests)).begin();
  }

  /**
   * The query parameters as written: split on {@code &} only (Vert.x would also end a parameter at
   * {@code ;}, which simulated model IDs use for their options), each name with every value it was given.
   */
  static Map<String, List<String>> queryParams(HttpServerRequest req) {
    MultiMap params;
    try {
      params = req.params(true);
    } catch (IllegalArgumentException e) {
      throw ApiError.undecodableUrl();
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String name : params.names()) {
      out.put(name, params.getAll(name));
    }
    return out;
  }

  /** One upload in progress, on the request's event loop. */
  private final class Upload {
    final RoutingContext rc;
    final HttpServerRequest req;
    final Context vctx = Vertx.currentContext();
    final String batchId = "batch_" + UUID.randomUUID().toString().replace("-", "");
    final String tenant;
    final long createdAt = System.currentTimeMillis();
    final RequestReader.QuerySettings settings;
    final BatchParser parser;
    final BatchLineSplitter splitter;
    final List<LineError> errors = new ArrayList<>();
    long invalid;
    int pending;
    boolean paused;
    boolean ended;
    boolean done;

    Upload(RoutingContext rc, RequestReader.QuerySettings settings) {
      this.rc = rc;
      this.req = rc.request();
      this.tenant = Tenants.of(rc);
      this.settings = settings;
      this.parser = new BatchParser(requests, batchId, tenant, settings.request(), createdAt);
      this.splitter = new BatchLineSplitter(batches.maxLineBytes(), this::line);
    }

    void begin() {
      req.handler(buf -> {
        if (!done) {
          splitter.feed(buf.getBytes());
        }
      });
      req.endHandler(v -> {
        if (!done) {
          splitter.finish();
          ended = true;
          maybeFinish();
        }
      });
      req.exceptionHandler(e -> {
        if (!done) {
          LOG.info("batch {}: upload interrupted ({})", batchId, e.toString());
          abort(null);
        }
      });
      // The batch exists (validating) before any of its items, so a crash mid-upload leaves a trace.
      BatchState validating = state(BatchState.VALIDATING, null);
      ctx.publisher().send(ctx.topics().batches(), batchId, validating).whenComplete((ack, e) ->
          vctx.runOnContext(v -> {
            if (e != null) {
              abort(unavailable());
            } else {
              batches.store().putState(validating);
              req.resume();
            }
          }));
    }

    void line(String text) {
      BatchParser.Outcome outcome = text == null
          ? new BatchParser.Outcome(null, new LineError(parser.linesSeen() + 1, null, "line_too_long",
              "The line is longer than " + batches.maxLineBytes() + " bytes."))
          : parser.next(text);
      if (text == null) {
        parser.next(""); // keep line numbers aligned; a blank line is skipped
      }
      if (outcome.error() != null) {
        invalid++;
        ctx.metrics().batchLine("invalid");
        if (errors.size() < MAX_REPORTED_ERRORS) {
          LineError e = outcome.error();
          errors.add(new LineError(e.line(), clip(e.customId(), 100), e.code(), clip(e.message(), MAX_ERROR_CHARS),
              clip(e.param(), 100)));
        }
        return;
      }
      BatchItem item = outcome.item();
      if (item == null) {
        return;
      }
      pending++;
      if (pending >= PAUSE_AT && !paused) {
        paused = true;
        req.pause();
      }
      ctx.publisher().send(ctx.topics().batchItems(), BatchItem.key(batchId, item.ordinal()), item)
          .whenComplete((ack, e) -> vctx.runOnContext(v -> acked(item, e)));
    }

    void acked(BatchItem item, Throwable error) {
      pending--;
      if (done) {
        return;
      }
      if (error != null) {
        abort(unavailable());
        return;
      }
      batches.store().putItem(item);
      if (paused && pending <= RESUME_AT) {
        paused = false;
        req.resume();
      }
      maybeFinish();
    }

    void maybeFinish() {
      if (!ended || pending > 0 || done) {
        return;
      }
      done = true;
      boolean none = parser.validItems() == 0;
      BatchState fin = none
          ? state(BatchState.FAILED, "No valid lines: every line was rejected (see errors).")
          : state(BatchState.IN_PROGRESS, null);
      ctx.publisher().send(ctx.topics().batches(), batchId, fin).whenComplete((ack, e) -> vctx.runOnContext(v -> {
        if (e != null) {
          unavailable().send(rc.response());
          return;
        }
        batches.store().putState(fin);
        if (batches.dispatching()) {
          batches.dispatcher().onState(fin);
        }
        HttpApi.json(rc, 200, BatchObjects.batch(fin, null));
      }));
    }

    void abort(ApiError error) {
      done = true;
      BatchState failed = state(BatchState.FAILED, "The upload did not complete; the batch was not accepted.");
      ctx.publisher().send(ctx.topics().batches(), batchId, failed)
          .whenComplete((ack, e) -> vctx.runOnContext(v -> {
            if (e == null) {
              batches.store().putState(failed);
            }
          }));
      if (error != null) {
        error.send(rc.response());
      }
    }

    BatchState state(String status, String error) {
      long now = System.currentTimeMillis();
      return new BatchState(BatchState.SCHEMA_VERSION, batchId, tenant, status, parser.linesSeen(),
          parser.validItems(), invalid, List.copyOf(errors), BatchParser.describe(settings.json()), 0, 0, 0, createdAt,
          BatchState.IN_PROGRESS.equals(status) ? Long.valueOf(now) : null, null,
          BatchState.FAILED.equals(status) ? Long.valueOf(now) : null, error);
    }
  }

  private static String clip(String s, int max) {
    return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  private static ApiError unavailable() {
    return new ApiError(503, "service_unavailable", "kafka_unavailable", null,
        "The batch could not be stored durably; it was not accepted. Retry later.");
  }

  // ---- reads ----

  private BatchState owned(RoutingContext rc) {
    String id = rc.pathParam("id");
    BatchState state = batches.store().state(id);
    if (state == null || !Tenants.of(rc).equals(state.tenant())) {
      throw ApiError.notFound("batch_not_found", "No batch with id '" + ApiError.clip(id) + "'.");
    }
    return state;
  }

  private void status(RoutingContext rc) {
    BatchState state = owned(rc);
    HttpApi.json(rc, 200, BatchObjects.batch(state, live(state.batchId())));
  }

  /** The caller's batches, newest first, in pages (cursor: a batch ID). */
  private void list(RoutingContext rc) {
    String tenant = Tenants.of(rc);
    Paging paging = Paging.of(rc, DEFAULT_LIMIT, MAX_LIMIT);
    List<BatchState> mine = batches.store().states().stream()
        .filter(s -> tenant.equals(s.tenant()))
        .sorted(Comparator.comparingLong(BatchState::createdAtMs).reversed().thenComparing(BatchState::batchId))
        .toList();
    int from = 0;
    for (int i = 0; paging.after() != null && i < mine.size(); i++) {
      if (mine.get(i).batchId().equals(paging.after())) {
        from = i + 1;
        break;
      }
    }
    int to = Math.min(mine.size(), from + paging.limit());
    List<ObjectNode> page = mine.subList(from, to).stream()
        .map(s -> BatchObjects.summary(s, live(s.batchId()))).toList();
    HttpApi.json(rc, 200, ListObjects.page(page, to < mine.size()));
  }

  private void cancel(RoutingContext rc) {
    BatchState state = owned(rc);
    if (BatchState.CANCELLED.equals(state.status()) || BatchState.CANCELLING.equals(state.status())) {
      HttpApi.json(rc, 200, BatchObjects.batch(state, live(state.batchId())));
      return;
    }
    if (!BatchState.IN_PROGRESS.equals(state.status())) {
      throw new ApiError(409, "invalid_request_error", "batch_not_cancellable", null,
          "A batch that is " + state.status() + " cannot be cancelled.");
    }
    // Stop local dispatching first: from here on no line of this batch is sent.
    long dispatched = batches.dispatcher().cancel(state.batchId());
    BatchState cancelling = state.withCounts(state.completed(), state.failed(), Math.max(dispatched, 0))
        .withStatus(BatchState.CANCELLING, System.currentTimeMillis());
    Context vctx = Vertx.currentContext();
    ctx.publisher().send(ctx.topics().batches(), state.batchId(), cancelling).whenComplete((ack, e) ->
        vctx.runOnContext(v -> {
          if (e != null) {
            unavailable().send(rc.response());
            return;
          }
          batches.store().putState(cancelling);
          if (batches.dispatching()) {
            batches.dispatcher().onState(cancelling);
          }
          ObjectNode body = BatchObjects.batch(cancelling, live(state.batchId()));
          if (dispatched >= 0) {
            ((ObjectNode) body.get("request_counts")).put("dispatched", dispatched);
          }
          HttpApi.json(rc, 200, body);
        }));
  }

  /** Finished lines in input order, one JSON object per line; streamed with backpressure. */
  private void results(RoutingContext rc) {
    BatchState state = owned(rc);
    HttpServerResponse response = rc.response().setChunked(true).putHeader("content-type", "application/jsonl");
    writeResults(response, state, 0);
  }

  private void writeResults(HttpServerResponse response, BatchState state, long from) {
    long end = Math.min(state.validItems(), from + RESULTS_CHUNK);
    Buffer chunk = Buffer.buffer();
    for (long i = from; i < end; i++) {
      BatchItem item = batches.store().item(state.batchId(), i);
      if (item == null) {
        continue;
      }
      ObjectNode line = BatchObjects.resultLine(item, view.read(item.job().jobId()), state);
      if (line != null) {
        chunk.appendBytes(Json.toBytes(line)).appendByte((byte) '\n');
      }
    }
    if (end >= state.validItems()) {
      response.end(chunk);
      return;
    }
    response.write(chunk);
    if (response.writeQueueFull()) {
      response.drainHandler(v -> writeResults(response, state, end));
    } else {
      Vertx.currentContext().runOnContext(v -> writeResults(response, state, end));
    }
  }

  /** What this instance's dispatcher knows of a batch beyond its stored state; null if it does not dispatch it. */
  private BatchObjects.Live live(String batchId) {
    BatchDispatcher.Live l = batches.dispatcher().live(batchId);
    if (l == null) {
      return null;
    }
    double seconds = (System.currentTimeMillis() - l.startedAtMs) / 1000.0;
    return new BatchObjects.Live(l.completed, l.failed, l.inFlight, l.dispatched, l.finalizing, l.cancelled,
        seconds > 0 ? l.liveDone / seconds : 0);
  }
}
