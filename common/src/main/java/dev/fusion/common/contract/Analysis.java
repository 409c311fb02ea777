package dev.fusion.common.contract;

import java.util.List;

/**
 * The judge's structured comparison of the panel answers. Field names mirror the hosted feature.
 * {@code asked} and {@code answered} say how many panel models were asked and how many answered, so
 * agreement of 2 of 4 is never read as unanimity (Fusion fills them in, not the judge).
 */
public record Analysis(
    List<String> consensus,
    List<Contradiction> contradictions,
    List<PartialCoverage> partialCoverage,
    List<UniqueInsight> uniqueInsights,
    List<String> blindSpots,
    Integer asked,
    Integer answered) {

  /** The judge's comparison alone, before Fusion records the panel's coverage. */
  public Analysis(List<String> consensus, List<Contradiction> contradictions, List<PartialCoverage> partialCoverage,
      List<UniqueInsight> uniqueInsights, List<String> blindSpots) {
    this(consensus, contradictions, partialCoverage, uniqueInsights, blindSpots, null, null);
  }

  /** The same analysis with the panel's coverage: how many models were asked and how many answered. */
  public Analysis withCoverage(int asked, int answered) {
    return new Analysis(consensus, contradictions, partialCoverage, uniqueInsights, blindSpots, asked, answered);
  }

  public record Contradiction(String topic, List<Stance> stances) {}

  public record Stance(String model, String stance) {}

  public record PartialCoverage(String point, List<String> models) {}

  public record UniqueInsight(String model, String insight) {}
}
