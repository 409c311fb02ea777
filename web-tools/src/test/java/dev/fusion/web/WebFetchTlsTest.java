package dev.fusion.web;

import dev.fusion.gateway.ToolExecutor;
import static dev.fusion.web.WebTestSupport.await;
import static dev.fusion.web.WebTestSupport.call;
import static dev.fusion.web.WebTestSupport.config;
import static dev.fusion.web.WebTestSupport.content;
import static dev.fusion.web.WebTestSupport.server;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The connection goes to the checked address while the host name stays the one of the URL: it is the Host
 * header, the TLS server name (SNI) and what the certificate is verified against. A certificate for
 * "localhost" (trusted by the test's client) is accepted for https://localhost and rejected for the same
 * server reached as https://127.0.0.1.
 */
class WebFetchTlsTest {
  static Vertx vertx;
  static SelfSignedCertificate certificate;
  static HttpServer tls;
  static HttpServer plain;
  static final BlockingQueue<String> seen = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    certificate = SelfSignedCertificate.create("localhost");
    tls = server(vertx, new HttpServerOptions().setSsl(true).setSni(true).setKeyCertOptions(certificate.keyCertOptions()),
        req -> {
          seen.add("sni=" + req.connection().indicatedServerName() + " host=" + req.authority());
          req.response().putHeader("content-type", "text/plain").end("over tls");
        });
    plain = server(vertx, req -> {
      seen.add("host=" + req.authority());
      req.response().putHeader("content-type", "text/plain").end("plain");
    });
  }

  @AfterAll
  static void stop() {
    await(vertx.close());
    certificate.delete();
  }

  private WebTools tools(String allow) {
    return new WebTools(vertx, config(Map.of("FUSION_WEB_FETCH_ALLOW", allow)),
        new HttpClientOptions().setTrustOptions(certificate.trustOptions()));
  }

  @Test
  void httpsIsVerifiedAgainstTheUrlsHostNameWhileConnectingToTheCheckedAddress() throws Exception {
    int port = tls.actualPort();
    try (WebTools tools = tools("localhost:" + port)) {
      seen.clear();
      ToolExecutor.Executed outcome = call(tools, "web_fetch", "{\"url\": \"https://localhost:" + port + "/page\"}");
      assertThat(outcome.step().error()).isNull();
      assertThat(content(outcome).path("text").asText()).isEqualTo("over tls");
      assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualTo("sni=localhost host=localhost:" + port);
    }
  }

  @Test
  void aCertificateThatDoesNotNameTheHostIsRejected() {
    int port = tls.actualPort();
    try (WebTools tools = tools("127.0.0.1:" + port)) {
      ToolExecutor.Executed outcome = call(tools, "web_fetch", "{\"url\": \"https://127.0.0.1:" + port + "/page\"}");
      assertThat(outcome.step().error()).startsWith("the TLS connection to 127.0.0.1 failed");
    }
  }

  @Test
  void theHostHeaderIsTheUrlsHost() throws Exception {
    int port = plain.actualPort();
    try (WebTools tools = tools("localhost:" + port)) {
      seen.clear();
      ToolExecutor.Executed outcome = call(tools, "web_fetch", "{\"url\": \"http://LocalHost:" + port + "/\"}");
      assertThat(outcome.step().error()).isNull();
      assertThat(seen.poll(30, TimeUnit.SECONDS)).isEqualToIgnoringCase("host=localhost:" + port);
    }
  }
}
