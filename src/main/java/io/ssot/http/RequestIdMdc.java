package io.ssot.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.MDC;
import org.slf4j.Marker;

/**
 * Puts the current request's id into the MDC as {@code requestId} just before each log line is
 * made, on the thread that logs it. The MDC is per thread, and a request's callbacks run on
 * whichever thread finishes its work, so it cannot be set once per request; the id lives in the
 * request's Vert.x context instead ({@link RequestIds#current()}), which this copies. The text
 * pattern prints it with {@code %X{requestId}}, the JSON encoder in its {@code mdc} member.
 *
 * <p>Runs for every logging call before the level check, so it does nothing for a level that
 * is off or for a level check without a line.
 */
public final class RequestIdMdc extends TurboFilter {

  public static final String KEY = "requestId";

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                            Throwable t) {
    // format is null when the filter is asked for isInfoEnabled() and the like: no line is made.
    // (logger.isEnabledFor would run the turbo filters again.)
    if (format != null && level != null && level.isGreaterOrEqual(logger.getEffectiveLevel())) {
      String id = RequestIds.current();
      if (id == null) {
        MDC.remove(KEY);
      } else {
        MDC.put(KEY, id);
      }
    }
    return FilterReply.NEUTRAL;
  }
}
