package dev.fusion.launcher.cli;

import java.net.URI;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the commands that talk to a running Fusion find it, and how they authenticate. */
final class ServerOptions {
  static final String DEFAULT_URL = "http://localhost:8080";

  @Option(names = "--url", paramLabel = "URL", description = {"the Fusion server (default: env FUSION_URL,",
      "else http://localhost:$FUSION_HTTP_PORT, else " + DEFAULT_URL + ")"})
  String url;

  @Option(names = "--api-key", description = "API key (default: env FUSION_API_KEY); sent as a bearer token, never printed")
  String apiKey;

  /** The server to talk to and the setting that named it, for messages that say how to change it. */
  record Server(String url, String source) {}

  /** {@code --url}, else {@code FUSION_URL}, else a local server on {@code FUSION_HTTP_PORT}, else port 8080. */
  static Server resolve(String option, Map<String, String> env) {
    Server server;
    if (option != null && !option.isBlank()) {
      server = new Server(option.strip(), "--url");
    } else if (notBlank(env.get("FUSION_URL"))) {
      server = new Server(env.get("FUSION_URL").strip(), "FUSION_URL");
    } else if (notBlank(env.get("FUSION_HTTP_PORT"))) {
      String port = env.get("FUSION_HTTP_PORT").strip();
      if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
        throw new BadServer("FUSION_HTTP_PORT must be a port number (1-65535); got '" + port
            + "'. Set --url or FUSION_URL to name the server instead.");
      }
      server = new Server("http://localhost:" + port, "FUSION_HTTP_PORT");
    } else {
      server = new Server(DEFAULT_URL, "the default");
    }
    URI uri;
    try {
      uri = URI.create(server.url());
    } catch (IllegalArgumentException e) {
      throw new BadServer(server.source() + " is not a URL: '" + server.url() + "'");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new BadServer(server.source() + " must be an http:// or https:// URL with a host; got '"
          + server.url() + "'");
    }
    return server;
  }

  CliHttp http(Map<String, String> env) {
    return new CliHttp(resolve(url, env), apiKey != null ? apiKey : env.get("FUSION_API_KEY"));
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }

  /** A server setting that cannot name a server; its message says which setting and why. */
  static final class BadServer extends RuntimeException {
    BadServer(String message) {
      super(message);
    }
  }
}
