package dev.fusion.launcher.cli;

import picocli.CommandLine.Option;

/** Where the commands that talk to a running Fusion find it, and how they authenticate. */
final class ServerOptions {
  @Option(names = "--url", defaultValue = "http://localhost:8080", description = "ingress URL (default: ${DEFAULT-VALUE})")
  String url;

  @Option(names = "--api-key", description = "API key (default: env FUSION_API_KEY); sent as a bearer token, never printed")
  String apiKey;

  CliHttp http() {
    return new CliHttp(url, CliHttp.apiKey(apiKey));
  }
}
