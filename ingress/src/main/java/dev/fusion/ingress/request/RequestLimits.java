package dev.fusion.ingress.request;

import dev.fusion.common.config.RecordBudget;

/**
 * Limits on one job request; every violation is a 400 naming the field. The size of a job in bytes is
 * bounded by the {@link RecordBudget} (a 413); {@code maxPromptChars} is an optional extra limit in
 * characters, off unless set.
 */
public record RequestLimits(int maxMessages, long maxPromptChars, int maxPanel) {
  public static final long NO_CHAR_LIMIT = Long.MAX_VALUE;
  public static final RequestLimits DEFAULT = new RequestLimits(256, NO_CHAR_LIMIT, Limits.MAX_PANEL);
}
