package dev.fusion.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code fusion dev} prints once it is up: where everything is, what to try first, and what is
 * real and what is simulated (models, web search, API keys). Pure, so its content is unit-tested.
 *
 * @param simulatedModels the default panel, judge and synthesizer are the simulator's (no provider key)
 * @param providers       the configured real providers' names (never their keys)
 * @param web             the web tools' one-line description (with simulated search: only web_fetch's)
 * @param simulatedSearch web search reads the simulator's local corpus
 * @param tenants         the tenants of the configured API keys; empty when keys are off
 */
record DevBanner(double tookSeconds, int httpPort, String kafka, Path dataDir, int simPort, boolean simulatedModels,
    List<String> providers, List<String> panel, String judge, String synthesizer, String web, boolean simulatedSearch,
    Set<String> tenants) {

  String text() {
    String api = "http://localhost:" + httpPort;
    boolean keys = !tenants.isEmpty();
    String askUrl = httpPort == 8080 ? "" : "--url " + api + " ";
    String askKey = keys ? "FUSION_API_KEY=<key> " : "";
    String kafkaPort = kafka.substring(kafka.lastIndexOf(':') + 1);
    String kafkaEnv = kafkaPort.equals("9092") ? "" : "FUSION_KAFKA_PORT=" + kafkaPort + " ";
    String models = simulatedModels
        ? "SIMULATED: no provider key (OPENROUTER_API_KEY) is set"
        : "REAL for IDs outside sim/ (" + String.join(", ", providers) + ")";
    String search = simulatedSearch
        ? "search SIMULATED (the simulator's corpus; BRAVE_API_KEY, TAVILY_API_KEY or\n"
          + "                FUSION_SEARXNG_URL give real search); " + web
        : web;
    String keysLine = keys
        ? "ON: tenants " + String.join(", ", new TreeSet<>(tenants))
        : "OFF: everyone is tenant 'default' (FUSION_API_KEYS turns keys on)";
    return String.format("""

        Fusion dev mode is up in %.1f s
          Playground:   %s/
          OpenAI SDKs:  base_url="%s/v1", model="fusion"
          Try:          %s./fusion ask %s"Why is the sea salty?"
          API:          POST /v1/chat/completions, /v1/jobs, /v1/batches (or ./fusion batch)
                        %s/health, %s/openapi.json
          Kafka:        %s (embedded; %s./fusion kafka topics --list)
          Data:         %s (kept across restarts; delete it to start clean)
          Models:       %s
                        panel %s, judge %s, synthesizer %s
          Web tools:    %s
          API keys:     %s
          Simulator:    http://127.0.0.1:%d/v1
        Ctrl-C stops everything cleanly.
        """, tookSeconds, api, api, askKey, askUrl, api, api, kafka, kafkaEnv, dataDir, models,
        String.join(", ", panel), judge, synthesizer, search, keysLine, simPort)
        + (keys ? "" : "\n  !!! AUTH IS OFF: no FUSION_API_KEYS set, so anyone who can reach port " + httpPort
            + " acts as tenant 'default'. Dev only. !!!\n")
        + "\n";
  }
}
