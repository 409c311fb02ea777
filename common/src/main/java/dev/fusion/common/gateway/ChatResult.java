package dev.fusion.common.gateway;

import dev.fusion.common.contract.Usage;

/** A finished completion: what the provider said, which concrete model said it, and what it cost. */
public record ChatResult(String requestedModel, String respondingModel, String content, String finishReason,
    Usage usage, int attempts, long latencyMs) {}
