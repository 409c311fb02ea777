package dev.fusion.ingress;

import dev.fusion.common.ServiceMain;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;

/** Runs ingress as its own process; several instances may serve the same cluster. */
public final class IngressMain {
  private IngressMain() {}

  public static void main(String[] args) throws Exception {
    FusionConfig config = FusionConfig.fromEnv();
    IngressOptions options = IngressOptions.fromEnv(System.getenv());
    if (!options.authEnabled() && !"true".equalsIgnoreCase(System.getenv("FUSION_ALLOW_NO_AUTH"))) {
      // Fail closed: a production ingress without keys would serve every caller as one tenant.
      System.err.println("No API keys configured: set FUSION_API_KEYS or FUSION_API_KEYS_FILE (tenant:sha256hex),"
          + " or FUSION_ALLOW_NO_AUTH=true to run without authentication.");
      System.exit(2);
    }
    StageContext ctx = new StageContext(config, null, "ingress").ensureTopics();
    ServiceMain.run(ctx, new Ingress(ctx, config.httpPort(),
        config.dataDir().resolve("ingress-view-" + config.httpPort()), null, options));
  }
}
