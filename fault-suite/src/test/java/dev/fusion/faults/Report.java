package dev.fusion.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Per-scenario figures and the results table written after the run. */
final class Report {
  private Report() {}

  static final class Row {
    final String scenario;
    final List<String> failures = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    int submitted;
    int acknowledged;
    int faults;
    int lost;
    int duplicateResultRecords;
    int duplicateReplies;
    int missingReplies;
    /** The longest time after the fault in which no job completed anywhere (the recovery time asserted). */
    long stallMs = -1;
    /** From the fault until every job acknowledged before it, and the first after it, had finished. */
    long caughtUpMs = -1;
    String loadAverage = "?";
    /**
     * A broker went away: a reply whose acknowledgement was lost with it is sent again (replies are
     * at-least-once across broker failures, docs/reliability.md), so a second reply is noted, not failed;
     * and the recovery bound is the broker one ({@code faults.brokerRecoveryBoundMs}).
     */
    boolean replyAcksMayBeLost;
    long durationMs;

    Row(String scenario) {
      this.scenario = scenario;
    }

    void fail(String why) {
      failures.add(why);
    }

    boolean passed() {
      return failures.isEmpty();
    }

    String summaryLine() {
      return String.format("FAULTS %-22s %s  acked %d/%d, faults %d, lost %d, dup result records %d, dup replies %d,"
              + " stall %d ms, caught up %s, load %s, %d s%s", scenario, passed() ? "PASS" : "FAIL", acknowledged, submitted,
          faults, lost, duplicateResultRecords, duplicateReplies, stallMs, caughtUpMs < 0 ? "never" : caughtUpMs + " ms",
          loadAverage,
          durationMs / 1000, failures.isEmpty() ? "" : "\n    - " + String.join("\n    - ", failures));
    }
  }

  /** The 1-minute load average (the host is shared: recovery times depend on it). */
  static String loadAverage() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (Exception e) {
      return "?";
    }
  }

  static String markdown(List<Row> rows, Map<String, String> settings) {
    StringBuilder b = new StringBuilder("# Fault suite results\n\n");
    settings.forEach((k, v) -> b.append("- ").append(k).append(": ").append(v).append('\n'));
    b.append("\n| scenario | result | submitted | acknowledged | faults injected | lost | duplicate result records"
        + " | duplicate replies | stall: no completion for (ms) | caught up after (ms) | load avg | took (s) |\n");
    b.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|\n");
    for (Row r : rows) {
      b.append(String.format("| %s | %s | %d | %d | %d | %d | %d | %d | %d | %s | %s | %d |%n", r.scenario,
          r.passed() ? "pass" : "**FAIL**", r.submitted, r.acknowledged, r.faults, r.lost, r.duplicateResultRecords,
          r.duplicateReplies, r.stallMs, r.caughtUpMs < 0 ? "never" : Long.toString(r.caughtUpMs), r.loadAverage,
          r.durationMs / 1000));
    }
    b.append('\n');
    for (Row r : rows) {
      if (!r.failures.isEmpty() || !r.notes.isEmpty()) {
        b.append("**").append(r.scenario).append("**\n");
        r.notes.forEach(n -> b.append("- ").append(n).append('\n'));
        r.failures.forEach(f -> b.append("- FAIL: ").append(f).append('\n'));
        b.append('\n');
      }
    }
    return b.toString();
  }
}
