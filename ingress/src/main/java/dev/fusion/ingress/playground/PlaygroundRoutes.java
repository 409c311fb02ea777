package dev.fusion.ingress.playground;

import dev.fusion.ingress.http.ApiError;
import dev.fusion.ingress.http.Routes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The playground: a page that submits a deliberation and shows it happen, served at {@code /} and
 * {@code /playground}, its files under {@code /playground/<file>}. It is plain ES modules and CSS from
 * this module's resources ({@code playground/}), read once at start; it talks only to this server's API.
 *
 * <p>Every file is sent with a Content-Security-Policy that allows this origin only and no inline script or
 * style, so nothing a model writes can run or load anything even if it reached the page as markup (the page
 * also never turns answer text into markup: see {@code markdown.js}). Files are revalidated on every use
 * ({@code no-cache} with a strong {@code ETag}: a 304 costs a round trip, and an upgraded server is never
 * half-cached, since the file names carry no version).
 */
public final class PlaygroundRoutes implements Routes {
  /** The page's policy: this origin only; no inline script, no eval, no plugins, no framing, no base tag. */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
      + "form-action 'self'; frame-ancestors 'none'";
  public static final String CACHE_CONTROL = "no-cache";
  /** The playground's files and their types; nothing else under {@code /playground/} is served. */
  private static final Map<String, String> FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "app.js", "text/javascript; charset=utf-8",
      "api.js", "text/javascript; charset=utf-8",
      "markdown.js", "text/javascript; charset=utf-8",
      "views.js", "text/javascript; charset=utf-8",
      "style.css", "text/css; charset=utf-8",
      "favicon.svg", "image/svg+xml");

  private final Map<String, Asset> assets = new LinkedHashMap<>();

  public PlaygroundRoutes() {
    FILES.forEach((name, type) -> assets.put(name, Asset.load(name, type)));
  }

  private record Asset(Buffer bytes, String contentType, String etag) {
    static Asset load(String name, String type) {
      try (InputStream in = PlaygroundRoutes.class.getResourceAsStream("/playground/" + name)) {
        if (in == null) {
          throw new IllegalStateException("playground file missing from the class path: " + name);
        }
        byte[] bytes = in.readAllBytes();
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
        return new Asset(Buffer.buffer(bytes), type, '"' + hash + '"');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void mount(Router router) {
    router.get("/").handler(rc -> send(rc, "index.html"));
    router.get("/playground").handler(rc -> send(rc, "index.html"));
    router.get("/playground/").handler(rc -> send(rc, "index.html"));
    router.get("/playground/:file").handler(rc -> send(rc, rc.pathParam("file")));
  }

  private void send(RoutingContext rc, String name) {
    Asset asset = assets.get(name);
    if (asset == null) {
      throw ApiError.noRoute(rc.request().method().name(), rc.request().path());
    }
    HttpServerResponse response = rc.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", CACHE_CONTROL)
        .putHeader("ETag", asset.etag());
    String ifNoneMatch = rc.request().getHeader("If-None-Match");
    if (ifNoneMatch != null && ifNoneMatch.contains(asset.etag())) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader("content-type", asset.contentType()).end(asset.bytes());
  }
}
