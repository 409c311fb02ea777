package dev.fusion.common.contract;

import java.util.List;

/** The judge's structured comparison of the panel answers. Field names mirror the hosted feature. */
public record Analysis(
    List<String> consensus,
    List<Contradiction> contradictions,
    List<PartialCoverage> partialCoverage,
    List<UniqueInsight> uniqueInsights,
    List<String> blindSpots) {

  public record Contradiction(String topic, List<Stance> stances) {}

  public record Stance(String model, String stance) {}

  public record PartialCoverage(String point, List<String> models) {}

  public record UniqueInsight(String model, String insight) {}
}
