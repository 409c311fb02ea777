package dev.fusion.ingress.jobs;

import dev.fusion.common.Json;
import dev.fusion.common.contract.EventTypes;
import dev.fusion.common.contract.FusionEvent;
import dev.fusion.common.contract.FusionResult;
import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.QueryParams;
import dev.fusion.ingress.http.Routes;
import dev.fusion.ingress.http.SseWriter;
import dev.fusion.ingress.view.JobListener;
import dev.fusion.ingress.view.JobView;
import dev.fusion.ingress.view.JobsView;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/jobs/{id}/events}: Server-Sent Events. The job's stored events are replayed, then live
 * ones follow. An event's SSE ID is its offset in its events partition (one job lives in one partition,
 * so IDs only grow); {@code Last-Event-ID} resumes after that ID. The listener is registered before the
 * replay is read and everything is sent on this request's context, so each event is sent exactly once
 * whichever path brings it first. The stream ends after the terminal event.
 */
public final class EventsRoutes implements Routes {
  private static final Logger LOG = LoggerFactory.getLogger(EventsRoutes.class);
  static final long HEARTBEAT_MS = 15_000;

  private final JobsView view;

  public EventsRoutes(JobsView view) {
    this.view = view;
  }

  @Override
  public void mount(Router router) {
    router.get("/v1/jobs/:id/events").handler(QueryParams.only()).handler(this::stream);
  }

  private void stream(RoutingContext rc) {
    JobView job = JobsRoutes.owned(view, rc);
    long after = lastEventId(rc);
    SseWriter sse = SseWriter.start(rc.response());
    sse.retry(1000);
    Stream stream = new Stream(rc.vertx(), sse, after);
    Context context = Vertx.currentContext();
    stream.subscription = view.subscribe(job.jobId(), new JobListener() {
      @Override
      public void onEvent(FusionEvent event, long offset) {
        context.runOnContext(v -> stream.send(offset, event));
      }

      @Override
      public void onResult(FusionResult result) {
        // The terminal event follows the result; the stream ends on that event.
      }
    });
    rc.response().closeHandler(v -> stream.close());
    for (JobsView.StoredEvent e : view.events(job.jobId(), -1)) {
      if (e.offset() > after) {
        stream.send(e.offset(), e.event());
      } else if (EventTypes.isTerminal(e.event().type())) {
        stream.finish(); // The client already has the terminal event: nothing more will come.
      }
    }
    if (!stream.closed) {
      stream.heartbeat = rc.vertx().setPeriodic(HEARTBEAT_MS, id -> stream.comment());
    }
  }

  private static long lastEventId(RoutingContext rc) {
    String raw = rc.request().getHeader("Last-Event-ID");
    if (raw == null || raw.isBlank()) {
      return -1;
    }
    try {
      return Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw ApiError.invalid("Last-Event-ID", "invalid_value", "Last-Event-ID must be an event ID from this stream.");
    }
  }

  /** One client's stream; only touched on its request's context. */
  private static final class Stream {
    private final Vertx vertx;
    private final SseWriter sse;
    private long last;
    private boolean closed;
    AutoCloseable subscription;
    long heartbeat = -1;

    Stream(Vertx vertx, SseWriter sse, long after) {
      this.vertx = vertx;
      this.sse = sse;
      this.last = after;
    }

    void send(long offset, FusionEvent event) {
      if (closed || offset <= last) {
        return; // Already sent: the replay and the live listener can both bring an event.
      }
      last = offset;
      sse.event(offset, event.type(), Json.toBytes(event));
      if (EventTypes.isTerminal(event.type())) {
        finish();
      }
    }

    void comment() {
      if (!closed) {
        sse.comment("keep-alive");
      }
    }

    void finish() {
      if (!closed) {
        close();
        sse.end();
      }
    }

    void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (heartbeat >= 0) {
        vertx.cancelTimer(heartbeat);
      }
      try {
        if (subscription != null) {
          subscription.close();
        }
      } catch (Exception e) {
        LOG.debug("unsubscribe failed", e);
      }
    }
  }
}
