package dev.fusion.launcher.cli;

/** Renders the one-line batch progress shown on stderr. Pure, so the format is unit-tested. */
public final class ProgressBar {
  private ProgressBar() {}

  public static String render(String status, long total, long completed, long failed, long inFlight, double rate,
      Long etaSeconds, int width) {
    long done = completed + failed;
    double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
    int filled = (int) Math.round(fraction * width);
    StringBuilder bar = new StringBuilder("[");
    bar.append("#".repeat(filled)).append(".".repeat(width - filled)).append(']');
    return String.format("%s %3d%% %,d/%,d  done %,d  failed %,d  in flight %,d  %.1f/s  ETA %s  %s",
        bar, Math.round(fraction * 100), done, total, completed, failed, inFlight, rate, eta(etaSeconds), status);
  }

  public static String eta(Long seconds) {
    if (seconds == null || seconds < 0) {
      return "--";
    }
    long h = seconds / 3600;
    long m = (seconds % 3600) / 60;
    long s = seconds % 60;
    return h > 0 ? String.format("%dh%02dm", h, m) : m > 0 ? String.format("%dm%02ds", m, s) : s + "s";
  }
}
