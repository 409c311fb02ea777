package dev.fusion.common.logging;

import dev.fusion.common.tracing.StageSpan;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.MDC;

/**
 * A job's trace context and log fields, as they travel with its records: the W3C {@code traceparent}
 * (trace ID, the span of the stage that wrote the record, flags) and the tenant and batch, in Kafka
 * record headers ({@link #headers()}, {@link #fromHeaders}). Ingress starts it from the HTTP request's or
 * the request record's {@code traceparent} (or a new trace); each stage continues it with a span of its
 * own ({@link #nextSpan()}), so one trace ID follows a job across processes.
 *
 * <p>While a thread works on a job, {@link #enter} puts the job's fields in the logging MDC
 * ({@code job_id}, {@code tenant}, {@code batch_id}, {@code trace_id}) and makes the trace
 * {@link #current()}; {@link #exit()} removes them. Both are a few map operations: they run per record on
 * the hot path.
 *
 * <p>While spans are not exported (the default) a JobTrace is its stage's whole span ({@link StageSpan}):
 * the IDs it makes are the ones written downstream, and there is nothing to end. When they are
 * ({@link dev.fusion.common.tracing.Tracing}), the exported span's IDs are taken instead ({@link #of}).
 */
public record JobTrace(String traceId, String spanId, String flags, String tenant, String batchId)
    implements StageSpan {
  public static final String TRACEPARENT_HEADER = "traceparent";
  public static final String TENANT_HEADER = "fusion-tenant";
  public static final String BATCH_HEADER = "fusion-batch-id";

  /** MDC keys: the fields of every log line about a job. */
  public static final String JOB_ID = "job_id";
  public static final String TENANT = "tenant";
  public static final String BATCH_ID = "batch_id";
  public static final String TRACE_ID = "trace_id";

  /** Longest tenant or batch ID carried in a header (they are short names; a longer one is cut). */
  private static final int MAX_FIELD = 256;
  private static final ThreadLocal<JobTrace> CURRENT = new ThreadLocal<>();
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** A new trace (no usable parent): random trace and span IDs, sampled. */
  public static JobTrace newTrace(String tenant, String batchId) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi;
    long lo;
    do {
      hi = r.nextLong();
      lo = r.nextLong();
    } while (hi == 0 && lo == 0);
    return new JobTrace(hex(hi) + hex(lo), newSpanId(), "01", clip(tenant), clip(batchId));
  }

  /**
   * The trace of work that was asked for with {@code traceparent} (an HTTP header, a request record's
   * header): its trace continued with a new span when the value is valid, else a new trace.
   */
  public static JobTrace continueOrStart(String traceparent, String tenant, String batchId) {
    JobTrace parent = parse(traceparent, tenant, batchId);
    return parent == null ? newTrace(tenant, batchId) : parent.nextSpan();
  }

  /** The trace a record carries in its headers, or null when it carries no valid {@code traceparent}. */
  public static JobTrace fromHeaders(Headers headers) {
    if (headers == null) {
      return null;
    }
    Header tp = headers.lastHeader(TRACEPARENT_HEADER);
    if (tp == null || tp.value() == null) {
      return null;
    }
    return parse(new String(tp.value(), StandardCharsets.ISO_8859_1), text(headers.lastHeader(TENANT_HEADER)),
        text(headers.lastHeader(BATCH_HEADER)));
  }

  /**
   * The trace of a stage's work on a consumed record: the record's trace with a new span, or a new trace
   * when the record has none (written by an older version or by hand).
   */
  public static JobTrace received(Headers headers) {
    JobTrace parent = fromHeaders(headers);
    return parent == null ? newTrace(null, null) : parent.nextSpan();
  }

  /**
   * Parses a W3C {@code traceparent}: {@code version-traceid-parentid-flags}, lower-case hex, IDs not all
   * zero, version not {@code ff}; a future version may append fields after a dash. Null when invalid.
   */
  public static JobTrace parse(String traceparent, String tenant, String batchId) {
    if (traceparent == null) {
      return null;
    }
    String s = traceparent.trim();
    if (s.length() < 55 || s.charAt(2) != '-' || s.charAt(35) != '-' || s.charAt(52) != '-') {
      return null;
    }
    String version = s.substring(0, 2);
    if (!isHex(version) || version.equals("ff") || (version.equals("00") && s.length() != 55)
        || (s.length() > 55 && s.charAt(55) != '-')) {
      return null;
    }
    String traceId = s.substring(3, 35);
    String spanId = s.substring(36, 52);
    String flags = s.substring(53, 55);
    if (!isHex(traceId) || !isHex(spanId) || !isHex(flags) || allZero(traceId) || allZero(spanId)) {
      return null;
    }
    return new JobTrace(traceId, spanId, flags, clip(tenant), clip(batchId));
  }

  /** A trace context of given IDs (an exported span's), the tenant and batch cut to their bound. */
  public static JobTrace of(String traceId, String spanId, String flags, String tenant, String batchId) {
    return new JobTrace(traceId, spanId, flags, clip(tenant), clip(batchId));
  }

  /** Unexported, a trace is its own span. */
  @Override
  public JobTrace trace() {
    return this;
  }

  /** The same trace, continued by a new span (a stage's own work). */
  public JobTrace nextSpan() {
    return new JobTrace(traceId, newSpanId(), flags, tenant, batchId);
  }

  /** This trace with the tenant filled in when it carried none (a record of an older version). */
  public JobTrace withTenant(String t) {
    return tenant != null || t == null ? this : new JobTrace(traceId, spanId, flags, clip(t), batchId);
  }


  public String traceparent() {
    return "00-" + traceId + "-" + spanId + "-" + flags;
  }


  /** Headers for a record this trace's span writes: {@code traceparent}, and the tenant and batch if known. */
  public Headers headers() {
    RecordHeaders h = new RecordHeaders();
    h.add(TRACEPARENT_HEADER, traceparent().getBytes(StandardCharsets.ISO_8859_1));
    if (tenant != null) {
      h.add(TENANT_HEADER, tenant.getBytes(StandardCharsets.UTF_8));
    }
    if (batchId != null) {
      h.add(BATCH_HEADER, batchId.getBytes(StandardCharsets.UTF_8));
    }
    return h;
  }

  /** Makes this the thread's current trace and puts the job's fields in the MDC, until {@link #exit()}. */
  public void enter(String jobId) {
    CURRENT.set(this);
    putOrRemove(JOB_ID, jobId);
    putOrRemove(TENANT, tenant);
    putOrRemove(BATCH_ID, batchId);
    MDC.put(TRACE_ID, traceId);
  }

  /** Clears what {@link #enter} set on this thread. */
  public static void exit() {
    CURRENT.remove();
    MDC.remove(JOB_ID);
    MDC.remove(TENANT);
    MDC.remove(BATCH_ID);
    MDC.remove(TRACE_ID);
  }

  /** The trace the thread is working in (see {@link #enter}), or null outside a job's work. */
  public static JobTrace current() {
    return CURRENT.get();
  }

  /** The thread's current trace, or a new one for work that began without a trace. */
  public static JobTrace currentOrNew(String tenant) {
    JobTrace t = CURRENT.get();
    return t == null ? newTrace(tenant, null) : t.withTenant(tenant);
  }

  private static void putOrRemove(String key, String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }

  private static String newSpanId() {
    long id;
    do {
      id = ThreadLocalRandom.current().nextLong();
    } while (id == 0);
    return hex(id);
  }

  private static String hex(long v) {
    char[] out = new char[16];
    for (int i = 15; i >= 0; i--) {
      out[i] = HEX[(int) (v & 0xf)];
      v >>>= 4;
    }
    return new String(out);
  }

  private static boolean isHex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  private static String text(Header h) {
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static String clip(String s) {
    return s == null || s.length() <= MAX_FIELD ? s : s.substring(0, MAX_FIELD);
  }
}
