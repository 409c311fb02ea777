package dev.fusion.judge;

import dev.fusion.common.JsonSize;
import dev.fusion.common.config.RecordBudget;
import dev.fusion.common.contract.Analysis;
import dev.fusion.common.contract.Analysis.Contradiction;
import dev.fusion.common.contract.Analysis.PartialCoverage;
import dev.fusion.common.contract.Analysis.Stance;
import dev.fusion.common.contract.Analysis.UniqueInsight;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the judge's analysis within {@link RecordBudget#maxAnalysisBytes()}: a judge can write any amount,
 * and the analysis travels in the analysis record, an event and the result. Sizes are counted from the
 * strings and each item's fixed punctuation (an upper bound of the JSON), nothing is serialized. Over the cap, each string is first cut to an eighth of the cap, then items are kept in
 * order (consensus, contradictions, partial coverage, unique insights, blind spots) while they fit, and a
 * last blind spot says the analysis was cut.
 */
final class AnalysisTruncation {
  /** The five lists' names, brackets and braces (94, rounded up). */
  private static final long OBJECT_BYTES = 128;
  // Each item's field names and punctuation, with the comma before the next: {"topic":,"stances":[]}, ...
  private static final long STRING_ITEM_BYTES = 1;
  private static final long CONTRADICTION_BYTES = 24;
  private static final long STANCE_BYTES = 21;
  private static final long PARTIAL_BYTES = 23;
  private static final long INSIGHT_BYTES = 22;

  private AnalysisTruncation() {}

  /** The analysis itself if it fits in {@code maxBytes}, else a cut copy that does and says so. */
  static Analysis fit(Analysis a, long maxBytes) {
    if (a == null || size(a) <= maxBytes) {
      return a;
    }
    String marker = "[truncated by Fusion: the analysis exceeded " + maxBytes + " bytes; later items were left out]";
    long itemCap = maxBytes / 8;
    Budget room = new Budget(maxBytes - OBJECT_BYTES - STRING_ITEM_BYTES - JsonSize.string(marker));
    List<String> consensus = new ArrayList<>();
    for (String c : nonNull(a.consensus())) {
      String cut = cut(c, itemCap);
      if (!room.take(STRING_ITEM_BYTES + JsonSize.string(cut))) {
        break;
      }
      consensus.add(cut);
    }
    List<Contradiction> contradictions = new ArrayList<>();
    for (Contradiction c : room.full ? List.<Contradiction>of() : nonNull(a.contradictions())) {
      List<Stance> stances = new ArrayList<>();
      for (Stance s : c.stances()) {
        stances.add(new Stance(cut(s.model(), itemCap), cut(s.stance(), itemCap)));
      }
      Contradiction cut = new Contradiction(cut(c.topic(), itemCap), stances);
      if (!room.take(size(cut))) {
        break;
      }
      contradictions.add(cut);
    }
    List<PartialCoverage> partial = new ArrayList<>();
    for (PartialCoverage p : room.full ? List.<PartialCoverage>of() : nonNull(a.partialCoverage())) {
      PartialCoverage cut = new PartialCoverage(cut(p.point(), itemCap), p.models().stream()
          .map(m -> cut(m, itemCap)).toList());
      if (!room.take(size(cut))) {
        break;
      }
      partial.add(cut);
    }
    List<UniqueInsight> insights = new ArrayList<>();
    for (UniqueInsight u : room.full ? List.<UniqueInsight>of() : nonNull(a.uniqueInsights())) {
      UniqueInsight cut = new UniqueInsight(cut(u.model(), itemCap), cut(u.insight(), itemCap));
      if (!room.take(size(cut))) {
        break;
      }
      insights.add(cut);
    }
    List<String> blindSpots = new ArrayList<>();
    for (String b : room.full ? List.<String>of() : nonNull(a.blindSpots())) {
      String cut = cut(b, itemCap);
      if (!room.take(STRING_ITEM_BYTES + JsonSize.string(cut))) {
        break;
      }
      blindSpots.add(cut);
    }
    blindSpots.add(marker);
    return new Analysis(consensus, contradictions, partial, insights, blindSpots);
  }

  /** An upper bound of the analysis as JSON. */
  static long size(Analysis a) {
    long bytes = OBJECT_BYTES;
    for (String c : nonNull(a.consensus())) {
      bytes += STRING_ITEM_BYTES + JsonSize.string(c);
    }
    for (Contradiction c : nonNull(a.contradictions())) {
      bytes += size(c);
    }
    for (PartialCoverage p : nonNull(a.partialCoverage())) {
      bytes += size(p);
    }
    for (UniqueInsight u : nonNull(a.uniqueInsights())) {
      bytes += size(u);
    }
    for (String b : nonNull(a.blindSpots())) {
      bytes += STRING_ITEM_BYTES + JsonSize.string(b);
    }
    return bytes;
  }

  private static long size(Contradiction c) {
    long bytes = CONTRADICTION_BYTES + JsonSize.string(c.topic());
    for (Stance s : nonNull(c.stances())) {
      bytes += STANCE_BYTES + JsonSize.string(s.model()) + JsonSize.string(s.stance());
    }
    return bytes;
  }

  private static long size(PartialCoverage p) {
    long bytes = PARTIAL_BYTES + JsonSize.string(p.point());
    for (String m : nonNull(p.models())) {
      bytes += 1 + JsonSize.string(m);
    }
    return bytes;
  }

  private static long size(UniqueInsight u) {
    return INSIGHT_BYTES + JsonSize.string(u.model()) + JsonSize.string(u.insight());
  }

  private static String cut(String s, long maxBytes) {
    return JsonSize.fit(s, maxBytes, "…");
  }

  private static <T> List<T> nonNull(List<T> list) {
    return list == null ? List.of() : list;
  }

  /** What is left of the cap; once an item did not fit, nothing more is taken. */
  private static final class Budget {
    private long left;
    private boolean full;

    Budget(long left) {
      this.left = left;
    }

    boolean take(long bytes) {
      if (full || bytes > left) {
        full = true;
        return false;
      }
      left -= bytes;
      return true;
    }
  }
}
