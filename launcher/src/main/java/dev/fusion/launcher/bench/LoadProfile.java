package dev.fusion.launcher.bench;

/**
 * What the simulated models do during a run: {@code 0}, {@code fixed:MS} or {@code lognormal:MEDIAN:SIGMA}.
 * {@link #criticalPathMs()} is the models' share of a job's latency (slowest panel answer + judge +
 * synthesizer) when it is known in advance, i.e. for fixed latency.
 */
record LoadProfile(String kind, long ms, double sigma) {

  static LoadProfile parse(String spec) {
    String[] parts = spec.split(":");
    return switch (parts[0]) {
      case "0", "zero" -> new LoadProfile("fixed", 0, 0);
      case "fixed" -> new LoadProfile("fixed", Long.parseLong(parts[1]), 0);
      case "lognormal" -> new LoadProfile("lognormal", Long.parseLong(parts[1]), Double.parseDouble(parts[2]));
      default -> throw new IllegalArgumentException("latency must be 0, fixed:MS or lognormal:MEDIAN:SIGMA");
    };
  }

  /** The simulator options every model of the run carries. */
  String simOptions() {
    return "fixed".equals(kind) ? "latency_ms=" + ms : "latency=lognormal;latency_median_ms=" + ms + ";latency_sigma=" + sigma;
  }

  boolean fixed() {
    return "fixed".equals(kind);
  }

  long criticalPathMs() {
    return fixed() ? 3 * ms : -1;
  }

  @Override
  public String toString() {
    return fixed() ? (ms == 0 ? "0 ms" : "fixed " + ms + " ms") : "log-normal median " + ms + " ms, sigma " + sigma;
  }
}
