package dev.fusion.gateway;

/**
 * A snapshot of one provider's or model's limit: calls in flight now, the most ever in flight at once,
 * the cap (0 = none), the end of any 429 cool-down (epoch ms, 0 = none) and the attempts admitted.
 */
public record LimitStats(int inFlight, int peakInFlight, int cap, long coolingDownUntilMs, long admitted) {}
