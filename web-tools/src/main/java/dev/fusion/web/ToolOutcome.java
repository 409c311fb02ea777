package dev.fusion.web;

import dev.fusion.common.contract.ToolStep;

/**
 * The result of one web tool call: {@code content} goes into the {@code tool} message the model reads (JSON,
 * bounded in size; an error is {@code {"error": "..."}}), {@code step} is the record of the call (step 0:
 * the tool loop places it with {@link ToolStep#atStep}).
 */
public record ToolOutcome(String content, ToolStep step) {}
