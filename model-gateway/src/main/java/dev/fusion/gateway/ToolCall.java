package dev.fusion.gateway;

/** A function call the model asked for; streamed arguments are concatenated in order. */
public record ToolCall(String id, String type, String name, String arguments) {}
