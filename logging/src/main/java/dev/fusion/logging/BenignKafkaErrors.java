package dev.fusion.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops two errors Kafka logs although nothing is wrong; only those exact events, anything else still shows.
 *
 * <ul>
 *   <li>An embedded single-node KRaft broker on a clean restart: its broker side registers with its own
 *       controller a moment before that controller has become active, the controller answers
 *       {@code NOT_CONTROLLER} ("The active controller appears to be node 1"), and the registration is
 *       retried and succeeds.
 *   <li>A group consumer closed (by Fusion) while the group moves partitions to or from it: the rebalance
 *       step that reaches it during {@code close()} is dropped by the close ("… could not be completed
 *       before the consumer closed") and logged as a failed callback and a failed reconciliation. The close
 *       itself releases every partition, which is all that step would have done. {@code ConsumerThreads.close}
 *       lets a rebalance already under way finish first; this covers the one that arrives during the close.
 * </ul>
 */
public final class BenignKafkaErrors extends TurboFilter {
  static final String CONTROLLER_APIS = "kafka.server.ControllerApis";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level != Level.ERROR || t == null) {
      return FilterReply.NEUTRAL;
    }
    if (CONTROLLER_APIS.equals(logger.getName()) && format != null && format.contains("CONTROLLER_REGISTRATION")
        && causedBy(t, "org.apache.kafka.common.errors.NotControllerException", null)) {
      return FilterReply.DENY;
    }
    if (MEMBERSHIP_MANAGER.equals(logger.getName())
        && causedBy(t, "org.apache.kafka.common.errors.TimeoutException", CLOSED_MID_REBALANCE)) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }

  static final String MEMBERSHIP_MANAGER = "org.apache.kafka.clients.consumer.internals.ConsumerMembershipManager";
  static final String CLOSED_MID_REBALANCE = "could not be completed before the consumer closed";

  /** {@code t} or a cause of it is of class {@code type}, with a message ending in {@code messageEnd} if given. */
  private static boolean causedBy(Throwable t, String type, String messageEnd) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getClass().getName().equals(type)
          && (messageEnd == null || (c.getMessage() != null && c.getMessage().endsWith(messageEnd)))) {
        return true;
      }
    }
    return false;
  }
}
