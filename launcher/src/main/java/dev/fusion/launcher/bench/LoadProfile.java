package dev.fusion.launcher.bench;

/**
 * What the simulated models do during a run: {@code 0}, {@code fixed:MS} or {@code lognormal:MEDIAN:SIGMA},
 * and how many web tool steps each panel model takes ({@code webSteps}: it searches the simulator's web and
 * reads pages through Fusion's web tools before it answers). {@link #criticalPathMs()} is the models' share
 * of a job's latency (slowest panel answer + judge + synthesizer) when it is known in advance, i.e. for
 * fixed latency without web steps.
 */
record LoadProfile(String kind, long ms, double sigma, int webSteps) {

  LoadProfile(String kind, long ms, double sigma) {
    this(kind, ms, sigma, 0);
  }

  LoadProfile withWebSteps(int steps) {
    return new LoadProfile(kind, ms, sigma, steps);
  }

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

  /** A panel model's options: the latency, and its web steps if any. */
  String panelOptions() {
    return webSteps > 0 ? simOptions() + ";web_steps=" + webSteps : simOptions();
  }

  boolean fixed() {
    return "fixed".equals(kind);
  }

  long criticalPathMs() {
    return fixed() ? 3 * ms * (webSteps > 0 ? webSteps + 1 : 1) : -1;
  }

  @Override
  public String toString() {
    String latency = fixed() ? (ms == 0 ? "0 ms" : "fixed " + ms + " ms") : "log-normal median " + ms + " ms, sigma " + sigma;
    return webSteps > 0 ? latency + ", " + webSteps + " web steps per panel model" : latency;
  }
}
