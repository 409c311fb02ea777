package dev.fusion.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops the one error an embedded single-node KRaft broker logs on every clean restart although nothing
 * is wrong: its broker side registers with its own controller a moment before that controller has become
 * active, the controller answers {@code NOT_CONTROLLER} ("The active controller appears to be node 1"),
 * and the registration is retried and succeeds. Kafka logs the first answer as an ERROR with a stack trace.
 * Only that exact event is dropped: any other error of the controller, or this one for another request,
 * still shows.
 */
public final class BenignKafkaErrors extends TurboFilter {
  static final String CONTROLLER_APIS = "kafka.server.ControllerApis";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level == Level.ERROR && CONTROLLER_APIS.equals(logger.getName()) && format != null
        && format.contains("CONTROLLER_REGISTRATION") && causedByNotController(t)) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }

  private static boolean causedByNotController(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getClass().getName().equals("org.apache.kafka.common.errors.NotControllerException")) {
        return true;
      }
    }
    return false;
  }
}
