package dev.fusion.launcher;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.common.Json;
import dev.fusion.logging.LogLineLayout;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * While open, Fusion's loggers ({@code dev.fusion.*}) log at DEBUG into this capture instead of the console,
 * each event written as the JSON line a service would write (formatted on the logging thread, with its MDC).
 */
final class LogCapture implements AutoCloseable {
  private final Logger fusion = (Logger) LoggerFactory.getLogger("dev.fusion");
  private final Level levelBefore = fusion.getLevel();
  private final boolean additiveBefore = fusion.isAdditive();
  private final List<String> lines = new ArrayList<>();
  private final AppenderBase<ILoggingEvent> appender;

  LogCapture() {
    LoggerContext context = fusion.getLoggerContext();
    LogLineLayout layout = new LogLineLayout();
    layout.setContext(context);
    layout.setFormat("json");
    layout.start();
    appender = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        String line = layout.doLayout(event);
        synchronized (lines) {
          lines.add(line);
        }
      }
    };
    appender.setContext(context);
    appender.setName("capture");
    appender.start();
    fusion.addAppender(appender);
    fusion.setAdditive(false);
    fusion.setLevel(Level.DEBUG);
  }

  /** Every line so far, as written. */
  List<String> lines() {
    synchronized (lines) {
      return new ArrayList<>(lines);
    }
  }

  /** Every line so far, parsed. */
  List<JsonNode> json() {
    return lines().stream().map(Json::tree).toList();
  }

  @Override
  public void close() {
    fusion.detachAppender(appender);
    fusion.setAdditive(additiveBefore);
    fusion.setLevel(levelBefore);
    appender.stop();
  }
}
