package dev.fusion.judge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fusion.common.Json;
import dev.fusion.common.contract.Analysis;
import dev.fusion.common.contract.Analysis.Contradiction;
import dev.fusion.common.contract.Analysis.PartialCoverage;
import dev.fusion.common.contract.Analysis.Stance;
import dev.fusion.common.contract.Analysis.UniqueInsight;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnalysisTruncationTest {
  private static final long CAP = 64 * 1024;

  @Test
  void anAnalysisWithinTheCapIsKeptAsItIs() {
    Analysis a = new Analysis(List.of("water is wet"), List.of(new Contradiction("t",
        List.of(new Stance("sim/a", "yes"), new Stance("sim/b", "no")))), List.of(), List.of(), List.of("cost"));
    assertThat(AnalysisTruncation.fit(a, CAP)).isSameAs(a);
    assertThat(AnalysisTruncation.size(a)).isGreaterThanOrEqualTo(Json.toBytes(a).length);
  }

  @Test
  void aHugeAnalysisIsCutToTheCapInOrderAndSaysSo() {
    List<String> consensus = new ArrayList<>();
    List<Contradiction> contradictions = new ArrayList<>();
    List<UniqueInsight> insights = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      consensus.add("point " + i + " \u0001\"界 " + "y".repeat(40));
      contradictions.add(new Contradiction("topic " + i, List.of(new Stance("sim/a", "x".repeat(500)))));
      insights.add(new UniqueInsight("sim/b", "insight " + i));
    }
    consensus.add(0, "界".repeat(300_000)); // one giant string first: cut, not allowed to crowd out the rest
    Analysis a = new Analysis(consensus, contradictions, List.of(new PartialCoverage("p", List.of("sim/a"))),
        insights, List.of("blind"));

    Analysis cut = AnalysisTruncation.fit(a, CAP);

    assertThat(Json.toBytes(cut).length).isLessThanOrEqualTo((int) CAP).isGreaterThan((int) (CAP * 0.8));
    assertThat(cut.consensus().get(0)).endsWith("…").hasSizeLessThan(CAP_CHARS);
    assertThat(cut.consensus().get(1)).isEqualTo(consensus.get(1));
    assertThat(cut.consensus().size()).isLessThan(consensus.size());
    assertThat(cut.uniqueInsights()).isEmpty(); // later sections wait behind earlier ones
    assertThat(cut.blindSpots()).last().asString().contains("truncated by Fusion");
  }

  private static final int CAP_CHARS = (int) (CAP / 8);
}
