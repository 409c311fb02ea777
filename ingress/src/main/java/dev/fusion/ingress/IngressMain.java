package dev.fusion.ingress;

import dev.fusion.common.ServiceMain;
import dev.fusion.common.StageContext;
import dev.fusion.common.config.FusionConfig;

/** Runs ingress as its own process; several instances may serve the same cluster. */
public final class IngressMain {
  private IngressMain() {}

  public static void main(String[] args) throws Exception {
    FusionConfig config = FusionConfig.fromEnv();
    StageContext ctx = new StageContext(config, null, "ingress").ensureTopics();
    ServiceMain.run(ctx, new Ingress(ctx, config.httpPort(),
        config.dataDir().resolve("ingress-view-" + config.httpPort()), null));
  }
}
