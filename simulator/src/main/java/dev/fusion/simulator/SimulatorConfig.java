package dev.fusion.simulator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable simulator configuration. Start from {@link #defaults()} or {@link #fromEnv(Map)} and
 * refine with the {@code with…} methods.
 *
 * @param host interface to bind (default {@code 127.0.0.1})
 * @param port port used by {@link SimulatorMain} (default 8090); {@link ModelSimulator#start(int)}
 *     takes its own
 * @param seed seed for latency sampling and {@code fail_rate} draws
 * @param instances HTTP server instances sharing the port (one event loop each)
 * @param bodyLimitBytes maximum request body size
 * @param defaultOptions global default options (lowest precedence)
 * @param modelOptions per-model options, keyed by model name without the {@code sim/} prefix
 * @param recordRequests how many of the latest chat requests {@link ModelSimulator#requests()} keeps; 0 = none
 * @param recordBytes the most body bytes those requests may hold together (the oldest go first)
 */
public record SimulatorConfig(
    String host,
    int port,
    long seed,
    int instances,
    long bodyLimitBytes,
    SimOptions defaultOptions,
    Map<String, SimOptions> modelOptions,
    int recordRequests,
    long recordBytes) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8090;
  public static final long DEFAULT_SEED = 42L;
  public static final long DEFAULT_BODY_LIMIT = 8L * 1024 * 1024;
  public static final int DEFAULT_RECORD_REQUESTS = 10_000;
  public static final long DEFAULT_RECORD_BYTES = 32L * 1024 * 1024;

  public SimulatorConfig {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (instances < 1) {
      throw new IllegalArgumentException("instances must be >= 1");
    }
    if (bodyLimitBytes < 1) {
      throw new IllegalArgumentException("bodyLimitBytes must be >= 1");
    }
    if (recordRequests < 0 || recordBytes < 0) {
      throw new IllegalArgumentException("recordRequests and recordBytes must be >= 0");
    }
    defaultOptions = defaultOptions == null ? SimOptions.EMPTY : defaultOptions;
    Map<String, SimOptions> normalized = new LinkedHashMap<>();
    if (modelOptions != null) {
      modelOptions.forEach((k, v) -> normalized.put(normalizeModel(k), v));
    }
    modelOptions = Map.copyOf(normalized);
  }

  public static SimulatorConfig defaults() {
    return new SimulatorConfig(DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SEED, 1, DEFAULT_BODY_LIMIT, SimOptions.EMPTY,
        Map.of(), DEFAULT_RECORD_REQUESTS, DEFAULT_RECORD_BYTES);
  }

  /**
   * Reads {@code SIM_HOST}, {@code SIM_PORT}, {@code SIM_SEED}, {@code SIM_INSTANCES}, {@code
   * SIM_LATENCY_MS}, {@code SIM_LATENCY} (fixed|lognormal), {@code SIM_LATENCY_MEDIAN_MS}, {@code
   * SIM_LATENCY_SIGMA}, {@code SIM_TOKENS_PER_S}, {@code SIM_FIRST_TOKEN_MS}, {@code SIM_OPTIONS}
   * (global options, {@code k=v;k=v}) and {@code SIM_MODEL_OPTIONS} ({@code
   * alpha:fault=http500;fail_rate=0.1|beta:latency_ms=50}), {@code SIM_RECORD_REQUESTS} and {@code
   * SIM_RECORD_BYTES} (the request record's bounds; 0 turns it off). Missing or blank variables keep the
   * defaults.
   *
   * @throws IllegalArgumentException on invalid values
   */
  public static SimulatorConfig fromEnv(Map<String, String> env) {
    SimulatorConfig c = defaults();
    String v;
    if ((v = value(env, "SIM_HOST")) != null) {
      c = c.withHost(v);
    }
    if ((v = value(env, "SIM_PORT")) != null) {
      c = c.withPort(parseInt("SIM_PORT", v));
    }
    if ((v = value(env, "SIM_SEED")) != null) {
      try {
        c = c.withSeed(Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("SIM_SEED is not a number: " + v, e);
      }
    }
    if ((v = value(env, "SIM_INSTANCES")) != null) {
      c = c.withInstances(parseInt("SIM_INSTANCES", v));
    }
    if ((v = value(env, "SIM_RECORD_REQUESTS")) != null) {
      c = c.withRequestRecord(parseInt("SIM_RECORD_REQUESTS", v), c.recordBytes());
    }
    if ((v = value(env, "SIM_RECORD_BYTES")) != null) {
      try {
        c = c.withRequestRecord(c.recordRequests(), Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("SIM_RECORD_BYTES is not a number: " + v, e);
      }
    }
    SimOptions opts = SimOptions.EMPTY;
    if ((v = value(env, "SIM_LATENCY_MS")) != null) {
      opts = opts.with(SimOptions.LATENCY_MS, v);
    }
    if ((v = value(env, "SIM_LATENCY_MEDIAN_MS")) != null) {
      opts = opts.with(SimOptions.LATENCY_MEDIAN_MS, v);
    }
    if ((v = value(env, "SIM_LATENCY_SIGMA")) != null) {
      opts = opts.with(SimOptions.LATENCY_SIGMA, v);
    }
    if ((v = value(env, "SIM_LATENCY")) != null) {
      opts = opts.with(SimOptions.LATENCY, v.toLowerCase(java.util.Locale.ROOT));
    }
    if ((v = value(env, "SIM_TOKENS_PER_S")) != null) {
      opts = opts.with(SimOptions.TOKENS_PER_S, v);
    }
    if ((v = value(env, "SIM_FIRST_TOKEN_MS")) != null) {
      opts = opts.with(SimOptions.FIRST_TOKEN_MS, v);
    }
    if ((v = value(env, "SIM_OPTIONS")) != null) {
      opts = opts.overlay(SimOptions.parse(v));
    }
    c = c.withDefaultOptions(opts);
    if ((v = value(env, "SIM_MODEL_OPTIONS")) != null) {
      for (String entry : v.split("\\|")) {
        String e = entry.trim();
        if (e.isEmpty()) {
          continue;
        }
        int colon = e.indexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException(
              "SIM_MODEL_OPTIONS entry '" + e + "' is not model:key=value;...");
        }
        c = c.withModelOptions(e.substring(0, colon).trim(), e.substring(colon + 1));
      }
    }
    return c;
  }

  private static String value(Map<String, String> env, String key) {
    String v = env.get(key);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static int parseInt(String name, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a number: " + v, e);
    }
  }

  /** {@code sim/alpha} and {@code alpha} both name the model {@code alpha}. */
  static String normalizeModel(String model) {
    String m = model.trim();
    int semi = m.indexOf(';');
    if (semi >= 0) {
      m = m.substring(0, semi);
    }
    return m.startsWith(ModelSimulator.MODEL_PREFIX)
        ? m.substring(ModelSimulator.MODEL_PREFIX.length())
        : m;
  }

  /** Options configured for a model ({@code sim/alpha} or {@code alpha}); empty if none. */
  public SimOptions optionsFor(String model) {
    return modelOptions.getOrDefault(normalizeModel(model), SimOptions.EMPTY);
  }

  public SimulatorConfig withHost(String host) {
    return copy(b -> b.host = host);
  }

  public SimulatorConfig withPort(int port) {
    return copy(b -> b.port = port);
  }

  public SimulatorConfig withSeed(long seed) {
    return copy(b -> b.seed = seed);
  }

  public SimulatorConfig withInstances(int instances) {
    return copy(b -> b.instances = instances);
  }

  /** Replaces the global default options. */
  public SimulatorConfig withDefaultOptions(SimOptions options) {
    return copy(b -> b.defaultOptions = options);
  }

  /** Overlays {@code k=v;k=v} onto the global default options. */
  public SimulatorConfig withDefaultOptions(String spec) {
    return withDefaultOptions(defaultOptions.overlay(SimOptions.parse(spec)));
  }

  /** Sets (replaces) the options of one model, e.g. {@code ("alpha", "fault=http500")}. */
  public SimulatorConfig withModelOptions(String model, SimOptions options) {
    return copy(b -> b.modelOptions.put(normalizeModel(model), options));
  }

  /** Keeps the latest {@code maxRequests} chat requests holding at most {@code maxBytes} of bodies; 0 = none. */
  public SimulatorConfig withRequestRecord(int maxRequests, long maxBytes) {
    return copy(b -> {
      b.recordRequests = maxRequests;
      b.recordBytes = maxBytes;
    });
  }

  /** The components as mutable fields: every {@code with…} changes one and builds a new config. */
  private static final class Parts {
    String host;
    int port;
    long seed;
    int instances;
    long bodyLimitBytes;
    SimOptions defaultOptions;
    Map<String, SimOptions> modelOptions;
    int recordRequests;
    long recordBytes;
  }

  private SimulatorConfig copy(java.util.function.Consumer<Parts> change) {
    Parts b = new Parts();
    b.host = host;
    b.port = port;
    b.seed = seed;
    b.instances = instances;
    b.bodyLimitBytes = bodyLimitBytes;
    b.defaultOptions = defaultOptions;
    b.modelOptions = new LinkedHashMap<>(modelOptions);
    b.recordRequests = recordRequests;
    b.recordBytes = recordBytes;
    change.accept(b);
    return new SimulatorConfig(b.host, b.port, b.seed, b.instances, b.bodyLimitBytes, b.defaultOptions,
        b.modelOptions, b.recordRequests, b.recordBytes);
  }

  public SimulatorConfig withModelOptions(String model, String spec) {
    return withModelOptions(model, SimOptions.parse(spec));
  }
}
