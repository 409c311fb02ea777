package dev.fusion.common.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fusion.logging.BenignKafkaErrors;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.errors.NotControllerException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The Kafka errors dropped as benign are exactly those; the shipped configuration installs the filter. */
class BenignKafkaErrorsTest {
  private static final String REGISTRATION = "Unexpected error handling request RequestHeader(apiKey="
      + "CONTROLLER_REGISTRATION, apiVersion=0, clientId=1, correlationId=0, headerVersion=2) -- ...";

  @Test
  void aControllerRegistrationRefusedWhileTheControllerBecomesActiveIsDroppedAndNothingElse() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    LoggerContext context = filteredContextLoggingTo(logged);
    Logger controllerApis = context.getLogger("kafka.server.ControllerApis");
    var notController = new CompletionException(new NotControllerException("The active controller appears to be node 1."));

    controllerApis.error(REGISTRATION, notController); // dropped
    controllerApis.error(REGISTRATION.replace("CONTROLLER_REGISTRATION", "BROKER_REGISTRATION"), notController);
    controllerApis.error(REGISTRATION, new IllegalStateException("a real failure"));
    context.getLogger("kafka.server.BrokerServer").error(REGISTRATION, notController);
    controllerApis.warn(REGISTRATION, notController);

    // Everything but the first: another request, another failure, another logger, another level.
    assertThat(logged.list).extracting(e -> e.getLoggerName() + " " + e.getLevel() + " "
            + e.getThrowableProxy().getClassName() + " " + e.getFormattedMessage().contains("CONTROLLER_REGISTRATION"))
        .containsExactly(
            "kafka.server.ControllerApis ERROR java.util.concurrent.CompletionException false",
            "kafka.server.ControllerApis ERROR java.lang.IllegalStateException true",
            "kafka.server.BrokerServer ERROR java.util.concurrent.CompletionException true",
            "kafka.server.ControllerApis WARN java.util.concurrent.CompletionException true");
  }

  @Test
  void aRebalanceStepDroppedByTheConsumersCloseIsDroppedAndARealCallbackFailureIsNot() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    LoggerContext context = filteredContextLoggingTo(logged);
    Logger membership = context.getLogger("org.apache.kafka.clients.consumer.internals.ConsumerMembershipManager");
    var closed = new org.apache.kafka.common.errors.TimeoutException(
        "PartitionsRemovedEvent could not be completed before the consumer closed");

    membership.error("onPartitionsRevoked callback invocation failed for partitions [t.fusion.requests-2]", closed);
    membership.error("Reconciliation failed.", new CompletionException(closed));
    membership.error("onPartitionsRevoked callback invocation failed for partitions [p-0]",
        new IllegalStateException("the listener threw")); // a real failure
    membership.error("Reconciliation failed.", new org.apache.kafka.common.errors.TimeoutException("commit timed out"));

    assertThat(logged.list).extracting(e -> e.getThrowableProxy().getClassName())
        .containsExactly("java.lang.IllegalStateException", "org.apache.kafka.common.errors.TimeoutException");
  }

  /** A fresh logging context with only the filter installed, every event it lets through kept in {@code logged}. */
  private static LoggerContext filteredContextLoggingTo(ListAppender<ILoggingEvent> logged) {
    LoggerContext context = new LoggerContext();
    BenignKafkaErrors filter = new BenignKafkaErrors();
    filter.start();
    context.addTurboFilter(filter);
    logged.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(logged);
    return context;
  }

  @Test
  void theShippedConfigurationInstallsTheFilter() {
    LoggerContext shipped = (LoggerContext) LoggerFactory.getILoggerFactory();
    assertThat(shipped.getTurboFilterList()).hasAtLeastOneElementOfType(BenignKafkaErrors.class);
  }
}
