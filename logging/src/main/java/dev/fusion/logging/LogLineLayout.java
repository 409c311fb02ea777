package dev.fusion.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * Fusion's log lines, one per event, in one of two formats ({@code FUSION_LOG_FORMAT}):
 * <ul>
 *   <li>{@code json}: one JSON object per line, {@code ts} (ISO-8601 UTC), {@code level}, {@code logger},
 *       {@code thread}, {@code msg}, then the MDC's fields flat ({@code job_id}, {@code tenant},
 *       {@code batch_id}, {@code trace_id} on lines about a job) and {@code error} (the stack trace) —
 *       for log collectors; the default of the service processes;
 *   <li>{@code text}: {@code HH:mm:ss.SSS [thread] LEVEL logger - message} and the MDC's fields as
 *       {@code key=value} — for a terminal (the {@code fusion} script's default). No colour codes in either.
 * </ul>
 * The format is the layout's {@code format} property when set (logback configuration), else
 * {@code FUSION_LOG_FORMAT}, else json.
 */
public class LogLineLayout extends LayoutBase<ILoggingEvent> {
  public static final String FORMAT_VAR = "FUSION_LOG_FORMAT";
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT)
      .withZone(ZoneId.systemDefault());
  private boolean json = true;
  private String format;

  /** {@code json} or {@code text}; an empty value (an unset variable) means the default. */
  public void setFormat(String format) {
    this.format = format;
  }

  @Override
  public void start() {
    String f = format != null && !format.isBlank() ? format : System.getenv(FORMAT_VAR);
    if (f == null || f.isBlank() || f.trim().equalsIgnoreCase("json")) {
      json = true;
    } else if (f.trim().equalsIgnoreCase("text")) {
      json = false;
    } else {
      addWarn(FORMAT_VAR + "=" + f + " is neither json nor text; writing json");
      json = true;
    }
    super.start();
  }

  public boolean isJson() {
    return json;
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder sb = new StringBuilder(256);
    return (json ? json(event, sb) : text(event, sb)).toString();
  }

  private static StringBuilder json(ILoggingEvent event, StringBuilder sb) {
    sb.append("{\"ts\":\"").append(Instant.ofEpochMilli(event.getTimeStamp())).append('"');
    field(sb, "level", event.getLevel().toString());
    field(sb, "logger", event.getLoggerName());
    field(sb, "thread", event.getThreadName());
    field(sb, "msg", event.getFormattedMessage());
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      for (Map.Entry<String, String> e : mdc.entrySet()) {
        field(sb, e.getKey(), e.getValue());
      }
    }
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      field(sb, "error", ThrowableProxyUtil.asString(error));
    }
    return sb.append('}').append(CoreConstants.LINE_SEPARATOR);
  }

  private static StringBuilder text(ILoggingEvent event, StringBuilder sb) {
    TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()), sb);
    sb.append(" [").append(event.getThreadName()).append("] ").append(event.getLevel()).append(' ')
        .append(shortName(event.getLoggerName())).append(" - ").append(event.getFormattedMessage());
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null && !mdc.isEmpty()) {
      for (Map.Entry<String, String> e : mdc.entrySet()) {
        sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
      }
    }
    sb.append(CoreConstants.LINE_SEPARATOR);
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      sb.append(ThrowableProxyUtil.asString(error)).append(CoreConstants.LINE_SEPARATOR);
    }
    return sb;
  }

  private static String shortName(String logger) {
    int dot = logger.lastIndexOf('.');
    return dot < 0 ? logger : logger.substring(dot + 1);
  }

  private static void field(StringBuilder sb, String name, String value) {
    sb.append(",\"");
    escape(sb, name);
    sb.append("\":");
    if (value == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    escape(sb, value);
    sb.append('"');
  }

  /** JSON string escaping: quotes, backslashes and every control character, so a line stays one line. */
  static void escape(StringBuilder sb, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
  }
}
