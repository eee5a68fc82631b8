package io.ssot.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * {@code log.format}: the server log as text lines (the default, for a terminal) or as JSON
 * lines, one object per line, from logback's own {@link JsonEncoder}: {@code timestamp}
 * (milliseconds), {@code level}, {@code threadName}, {@code loggerName}, {@code mdc} (with
 * {@code requestId} inside a request), {@code formattedMessage} and {@code throwable}. The audit
 * log is JSON lines either way.
 */
public final class LogFormat {

  /** The appender of logback.xml that writes the server log. */
  private static final String APPENDER = "STDOUT";

  private LogFormat() {
  }

  /** Switches the server log to JSON lines for {@code json}; {@code text} keeps logback.xml's pattern. */
  public static void apply(String format) {
    if (!format.equals("json") || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Appender<ILoggingEvent> appender = context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(APPENDER);
    if (!(appender instanceof ConsoleAppender<ILoggingEvent> console) || console.getEncoder() instanceof JsonEncoder) {
      return;
    }
    JsonEncoder json = new JsonEncoder();
    json.setContext(context);
    json.setWithSequenceNumber(false);
    json.setWithNanoseconds(false);
    json.setWithContext(false);
    json.setWithMessage(false);
    json.setWithArguments(false);
    json.setWithFormattedMessage(true);
    json.start();
    console.stop();
    console.setEncoder(json);
    console.start();
  }
}
