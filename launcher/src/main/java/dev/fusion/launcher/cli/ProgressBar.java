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

  /**
   * The line for a terminal {@code columns} wide (0: unknown width), padded with spaces to overwrite a
   * longer previous line: the bar shrinks first, then the text is cut, so a redraw after {@code \r}
   * never wraps onto a second line.
   */
  public static String fitted(String status, long total, long completed, long failed, long inFlight, double rate,
      Long etaSeconds, int columns) {
    int bar = 30;
    String line = render(status, total, completed, failed, inFlight, rate, etaSeconds, bar);
    if (columns <= 0) {
      return line + "   ";
    }
    int room = columns - 1; // the cursor's column: writing the last one wraps on some terminals
    if (line.length() > room) {
      bar = Math.max(MIN_BAR, bar - (line.length() - room));
      line = render(status, total, completed, failed, inFlight, rate, etaSeconds, bar);
    }
    if (line.length() > room) {
      line = line.substring(0, Math.max(0, room));
    }
    return line + " ".repeat(room - line.length());
  }

  private static final int MIN_BAR = 5;

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
