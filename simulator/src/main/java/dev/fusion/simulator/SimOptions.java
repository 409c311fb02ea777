package dev.fusion.simulator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Simulator options as {@code key=value} pairs separated by {@code ;}, e.g. {@code
 * fault=http429;retry_after=1;fail_times=2}. Immutable. Used for model-ID suffixes, the {@code
 * x-sim-options} header, per-model configuration and global defaults.
 */
public final class SimOptions {

  public static final String FAULT = "fault";
  public static final String RETRY_AFTER = "retry_after";
  public static final String FAIL_TIMES = "fail_times";
  public static final String FAIL_RATE = "fail_rate";
  public static final String LATENCY = "latency";
  public static final String LATENCY_MS = "latency_ms";
  public static final String LATENCY_MEDIAN_MS = "latency_median_ms";
  public static final String LATENCY_SIGMA = "latency_sigma";
  public static final String TOKENS_PER_S = "tokens_per_s";
  public static final String FIRST_TOKEN_MS = "first_token_ms";
  public static final String HANG_MS = "hang_ms";
  /** A plain answer of exactly this many UTF-8 bytes (its text repeated), for size limits; 0 = natural. */
  public static final String ANSWER_BYTES = "answer_bytes";
  /**
   * Tool steps the model takes with the function tools {@code web_search} and {@code web_fetch} (or the
   * server tools {@code openrouter:web_search} / {@code openrouter:web_fetch}) before it answers; 0 = none.
   */
  public static final String WEB_STEPS = "web_steps";
  /** How many {@code web_search} calls the first web step makes at once (distinct queries); default 1. */
  public static final String WEB_FANOUT = "web_fanout";
  /**
   * {@code true}: a plain answer is the last user message, verbatim (markup included), so a test can put
   * hostile text in a model's answer; {@code false} (default): the generated answer.
   */
  public static final String ECHO = "echo";

  static final long MAX_WEB_STEPS = 64;
  static final long MAX_WEB_FANOUT = 16;

  public static final String LATENCY_FIXED = "fixed";
  public static final String LATENCY_LOGNORMAL = "lognormal";

  /** Fault names besides {@code httpNNN}. {@code none} explicitly switches a configured fault off. */
  public static final Set<String> NAMED_FAULTS =
      Set.of(
          "none", "hang", "malformed", "truncate", "slow_first", "empty", "garbage_json",
          "schema_mismatch");

  private static final Pattern HTTP_FAULT = Pattern.compile("http[45]\\d\\d");
  private static final Set<String> LONG_KEYS =
      Set.of(RETRY_AFTER, FAIL_TIMES, LATENCY_MS, LATENCY_MEDIAN_MS, FIRST_TOKEN_MS, HANG_MS, ANSWER_BYTES,
          WEB_STEPS, WEB_FANOUT);
  private static final Set<String> DOUBLE_KEYS = Set.of(FAIL_RATE, LATENCY_SIGMA, TOKENS_PER_S);

  public static final SimOptions EMPTY = new SimOptions(Map.of());

  private final Map<String, String> values;

  private SimOptions(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * Parses {@code k=v;k=v}. Blank segments are ignored, keys are case-insensitive, unknown keys are
   * kept (and ignored by the simulator).
   *
   * @throws IllegalArgumentException on a segment without {@code =} or an invalid value
   */
  public static SimOptions parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return EMPTY;
    }
    Map<String, String> map = new LinkedHashMap<>();
    for (String segment : spec.split(";")) {
      String s = segment.trim();
      if (s.isEmpty()) {
        continue;
      }
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("simulator option '" + s + "' is not key=value");
      }
      map.put(s.substring(0, eq).trim().toLowerCase(Locale.ROOT), s.substring(eq + 1).trim());
    }
    return of(map);
  }

  /** Builds options from a map, validating known keys. */
  public static SimOptions of(Map<String, String> map) {
    for (Map.Entry<String, String> e : map.entrySet()) {
      validate(e.getKey(), e.getValue());
    }
    return map.isEmpty() ? EMPTY : new SimOptions(map);
  }

  private static void validate(String key, String value) {
    if (value == null) {
      throw new IllegalArgumentException("simulator option '" + key + "' has no value");
    }
    try {
      if (LONG_KEYS.contains(key)) {
        long n = Long.parseLong(value);
        if (n < 0) {
          throw new IllegalArgumentException("simulator option '" + key + "' must be >= 0");
        }
        if (key.equals(WEB_STEPS) && n > MAX_WEB_STEPS) {
          throw new IllegalArgumentException("simulator option web_steps must be at most " + MAX_WEB_STEPS);
        }
        if (key.equals(WEB_FANOUT) && (n < 1 || n > MAX_WEB_FANOUT)) {
          throw new IllegalArgumentException("simulator option web_fanout must be in [1, " + MAX_WEB_FANOUT + "]");
        }
      } else if (DOUBLE_KEYS.contains(key)) {
        double d = Double.parseDouble(value);
        if (!(d >= 0) || Double.isInfinite(d)) {
          throw new IllegalArgumentException("simulator option '" + key + "' must be >= 0");
        }
        if (key.equals(FAIL_RATE) && d > 1) {
          throw new IllegalArgumentException("simulator option fail_rate must be in [0, 1]");
        }
      } else if (key.equals(ECHO)) {
        if (!value.equals("true") && !value.equals("false")) {
          throw new IllegalArgumentException("simulator option echo must be true or false");
        }
      } else if (key.equals(LATENCY)) {
        if (!value.equals(LATENCY_FIXED) && !value.equals(LATENCY_LOGNORMAL)) {
          throw new IllegalArgumentException("latency must be 'fixed' or 'lognormal'");
        }
      } else if (key.equals(FAULT)) {
        if (!NAMED_FAULTS.contains(value) && !HTTP_FAULT.matcher(value).matches()) {
          throw new IllegalArgumentException("unknown simulator fault '" + value + "'");
        }
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "simulator option '" + key + "' has an invalid number: " + value, e);
    }
  }

  /** A copy with one more option (validated). */
  public SimOptions with(String key, String value) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(key.toLowerCase(Locale.ROOT), value);
    return overlay(of(m));
  }

  /**
   * These options overridden by {@code higher}. A higher level that sets {@code latency_ms} without
   * {@code latency} implies {@code latency=fixed}; one that sets {@code latency_median_ms} or
   * {@code latency_sigma} without {@code latency} implies {@code latency=lognormal}.
   */
  public SimOptions overlay(SimOptions higher) {
    if (higher == null || higher.values.isEmpty()) {
      return this;
    }
    if (values.isEmpty()) {
      return higher;
    }
    Map<String, String> merged = new LinkedHashMap<>(values);
    if (!higher.values.containsKey(LATENCY)) {
      if (higher.values.containsKey(LATENCY_MS)) {
        merged.put(LATENCY, LATENCY_FIXED);
      } else if (higher.values.containsKey(LATENCY_MEDIAN_MS)
          || higher.values.containsKey(LATENCY_SIGMA)) {
        merged.put(LATENCY, LATENCY_LOGNORMAL);
      }
    }
    merged.putAll(higher.values);
    return new SimOptions(merged);
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** The raw value, or null. */
  public String get(String key) {
    return values.get(key);
  }

  public String get(String key, String def) {
    return values.getOrDefault(key, def);
  }

  public long getLong(String key, long def) {
    String v = values.get(key);
    return v == null ? def : Long.parseLong(v);
  }

  public double getDouble(String key, double def) {
    String v = values.get(key);
    return v == null ? def : Double.parseDouble(v);
  }

  public Map<String, String> asMap() {
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SimOptions other && other.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  /** The {@code k=v;k=v} form. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    values.forEach(
        (k, v) -> {
          if (sb.length() > 0) {
            sb.append(';');
          }
          sb.append(k).append('=').append(v);
        });
    return sb.toString();
  }
}
