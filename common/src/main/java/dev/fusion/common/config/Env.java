package dev.fusion.common.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Typed reads of environment-style settings, with the variable named in every error. */
public final class Env {
  private final Map<String, String> values;

  public Env(Map<String, String> values) {
    this.values = values;
  }

  public static Env system() {
    return new Env(System.getenv());
  }

  public String get(String name, String fallback) {
    String v = values.get(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  public String optional(String name) {
    return get(name, null);
  }

  public int integer(String name, int fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
    }
  }

  public long longValue(String name, long fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'");
    }
  }

  /** A duration in milliseconds from {@code min} to {@code max}; anything else is refused by name. */
  public Duration millis(String name, long fallback, long min, long max) {
    return Duration.ofMillis(millisInRange(name, get(name, Long.toString(fallback)), min, max));
  }

  /** {@code raw} as a whole number of milliseconds from {@code min} to {@code max}, else refused naming {@code name}. */
  public static long millisInRange(String name, String raw, long min, long max) {
    try {
      long ms = Long.parseLong(raw);
      if (ms >= min && ms <= max) {
        return ms;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(name + " must be a whole number of milliseconds from " + min + " to "
        + max + ", got '" + raw + "'");
  }

  public List<String> list(String name, List<String> fallback) {
    String v = get(name, null);
    if (v == null) {
      return fallback;
    }
    return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
