package dev.fusion.simulator;

import java.util.Random;

/**
 * What the simulator will do for one call: the fault (if it applies to this call) and the timing.
 *
 * @param fault the fault to inject, or null
 * @param retryAfterSeconds for {@code http429} (and other statuses when set explicitly)
 * @param latencyMs delay before the response (or, when streaming, before the first chunk)
 * @param firstTokenMs extra delay before the first streamed content chunk
 * @param tokensPerSecond streaming pace, 0 = as fast as possible
 * @param hangMs how long a {@code hang} keeps the request open before closing it
 * @param answerBytes the size of a plain answer in UTF-8 bytes, 0 = its natural size
 * @param webSteps web tool steps the model takes before it answers ({@code web_steps}), 0 = none
 * @param webFanout web searches the first web step makes at once ({@code web_fanout})
 * @param echo a plain answer repeats the last user message ({@code echo=true})
 */
record RequestPlan(
    String fault,
    long retryAfterSeconds,
    boolean explicitRetryAfter,
    long latencyMs,
    long firstTokenMs,
    double tokensPerSecond,
    long hangMs,
    long answerBytes,
    int webSteps,
    int webFanout,
    boolean echo) {

  static final long MAX_DELAY_MS = 10 * 60 * 1000L;
  static final long DEFAULT_SLOW_FIRST_MS = 5000L;
  static final double DEFAULT_SIGMA = 0.5;
  /** The simulator builds answers in memory: {@code answer_bytes} is capped well above any record limit. */
  static final long MAX_ANSWER_BYTES = 64L * 1024 * 1024;

  /**
   * @param opts the merged options
   * @param seed the configured seed
   * @param requestHash hash of model and conversation
   * @param callIndex the model's call number (1-based)
   * @param faultCall the call number for this model and fault (1-based), or 0 if no fault set
   */
  static RequestPlan of(
      SimOptions opts, long seed, long requestHash, long callIndex, String faultKey, long faultCall) {
    String fault = opts.get(SimOptions.FAULT);
    if (fault != null && fault.equals("none")) {
      fault = null;
    }
    if (fault != null) {
      boolean apply = true;
      if (opts.has(SimOptions.FAIL_TIMES)) {
        apply = faultCall <= opts.getLong(SimOptions.FAIL_TIMES, 0);
      }
      if (apply && opts.has(SimOptions.FAIL_RATE)) {
        double u = Seeds.uniform(Seeds.mix(seed, Seeds.hash64(faultKey), faultCall));
        apply = u < opts.getDouble(SimOptions.FAIL_RATE, 0);
      }
      if (!apply) {
        fault = null;
      }
    }
    long firstToken = opts.getLong(SimOptions.FIRST_TOKEN_MS, 0);
    if ("slow_first".equals(fault) && !opts.has(SimOptions.FIRST_TOKEN_MS)) {
      firstToken = DEFAULT_SLOW_FIRST_MS;
    }
    return new RequestPlan(
        fault,
        opts.getLong(SimOptions.RETRY_AFTER, 1),
        opts.has(SimOptions.RETRY_AFTER),
        latency(opts, seed, requestHash, callIndex),
        Math.min(firstToken, MAX_DELAY_MS),
        opts.getDouble(SimOptions.TOKENS_PER_S, 0),
        Math.min(opts.getLong(SimOptions.HANG_MS, MAX_DELAY_MS), MAX_DELAY_MS),
        Math.min(opts.getLong(SimOptions.ANSWER_BYTES, 0), MAX_ANSWER_BYTES),
        (int) opts.getLong(SimOptions.WEB_STEPS, 0),
        (int) opts.getLong(SimOptions.WEB_FANOUT, 1),
        "true".equals(opts.get(SimOptions.ECHO)));
  }

  /**
   * {@code fixed}: {@code latency_ms}. {@code lognormal}: {@code median * exp(sigma * Z)} with Z
   * drawn from a {@link Random} seeded by (seed, request hash, call index), so a run is repeatable.
   */
  static long latency(SimOptions opts, long seed, long requestHash, long callIndex) {
    String mode = opts.get(SimOptions.LATENCY, SimOptions.LATENCY_FIXED);
    double ms;
    if (mode.equals(SimOptions.LATENCY_LOGNORMAL)) {
      double median =
          opts.getDouble(
              SimOptions.LATENCY_MEDIAN_MS, opts.getDouble(SimOptions.LATENCY_MS, 0));
      if (median <= 0) {
        return 0;
      }
      double sigma = opts.getDouble(SimOptions.LATENCY_SIGMA, DEFAULT_SIGMA);
      double z = new Random(Seeds.mix(seed, requestHash, callIndex)).nextGaussian();
      ms = median * Math.exp(sigma * z);
    } else {
      ms = opts.getLong(SimOptions.LATENCY_MS, 0);
    }
    return Math.max(0, Math.min(Math.round(ms), MAX_DELAY_MS));
  }
}
