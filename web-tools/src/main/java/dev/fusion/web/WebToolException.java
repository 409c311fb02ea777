package dev.fusion.web;

/**
 * A web tool call that did not succeed; the message is what the model is told (it names the problem and
 * never a key or an internal address), so it has no stack trace to fill.
 */
final class WebToolException extends RuntimeException {
  WebToolException(String message) {
    super(message, null, false, false);
  }
}
