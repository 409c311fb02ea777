package dev.fusion.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.common.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * Hostile HTTP requests, generated from a seed, each invalid by construction and with the statuses that
 * are right for it; and the check of an answer (a 4xx in the OpenAI error shape with a JSON content type).
 * Used by {@code HttpFuzzTest} and by the fault suite, which sends them while jobs run.
 */
public final class HttpFuzzCases {
  /** Vert.x's default limits, which the codec-level cases exceed. */
  public static final int MAX_REQUEST_LINE = 4096;
  public static final int MAX_HEADERS = 8192;
  /** The ingress default (FUSION_MAX_BODY_BYTES, which defaults to the record limit). */
  public static final int MAX_BODY = (int) dev.fusion.common.config.RecordBudget.DEFAULT.maxRecordBytes();
  private static final Set<Integer> BAD_REQUEST = Set.of(400);
  private static final Set<Integer> BAD_OR_TOO_LARGE = Set.of(400, 413);


  private HttpFuzzCases() {}

  /** One generated request and the statuses that are right for it (empty: any 4xx). */
  public record Case(String kind, byte[] head, byte[] body, Set<Integer> expected) {
    /** The kind and the request head (clipped, control characters and non-ASCII bytes escaped). */
    public String describe() {
      StringBuilder h = new StringBuilder();
      for (int i = 0; i < head.length && h.length() < 300; i++) {
        int b = head[i] & 0xFF;
        h.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02X", b));
      }
      return kind + " [" + h + (head.length > 300 ? "…" : "") + "] body " + (body == null ? 0 : body.length) + " B";
    }
  }

  /** Why the answer to a generated case is wrong, or null. */
  public static String problem(Case c, RawHttp.Response r) {
    if (r.status() < 0) {
      return "the connection closed without an answer";
    }
    return problem(r.status(), r.header("content-type"), r.bodyText(), c.expected());
  }

  /**
   * Why an answer to an invalid request is wrong, or null: it must be a 4xx (one of {@code expected},
   * unless empty) with a JSON body in the OpenAI error shape.
   */
  public static String problem(int status, String contentType, String body, Set<Integer> expected) {
    if (status < 400 || status > 499) {
      return "status " + status + ": " + clip(body);
    }
    if (!expected.isEmpty() && !expected.contains(status)) {
      return "status " + status + ", expected one of " + expected + ": " + clip(body);
    }
    if (contentType == null || !contentType.startsWith("application/json")) {
      return "content type " + contentType + ": " + clip(body);
    }
    JsonNode error;
    try {
      error = Json.tree(body).path("error");
    } catch (RuntimeException e) {
      return "body is not JSON: " + clip(body);
    }
    boolean shaped = error.path("message").isTextual() && !error.path("message").asText().isBlank()
        && error.path("type").isTextual() && error.path("code").isTextual()
        && error.has("param") && (error.get("param").isNull() || error.get("param").isTextual());
    return shaped ? null : "not the OpenAI error shape: " + clip(body);
  }

  private static String clip(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  /** Makes the cases; every one is invalid by construction. */
  public static final class Generator {
    private final Random random;
    private final List<Function<Random, Case>> kinds;
    /** Header lines every well-formed case carries (e.g. an Authorization when the server has keys on). */
    private final String[] always;

    public Generator(Random random, String... always) {
      this.random = random;
      this.always = always;
      // Weighted: body cases are the bulk, every other kind has a share.
      kinds = new ArrayList<>();
      add(6, this::garbageBody);
      add(4, this::truncatedBody);
      add(3, this::wrongTopLevel);
      add(4, this::missingRequired);
      add(6, this::wrongTypes);
      add(3, this::deeplyNested);
      add(4, this::badUtf8Body);
      add(2, this::hugeNumbers);
      add(2, this::controlCharacters);
      add(1, this::oversized);
      add(4, this::randomIds);
      add(3, this::badQueries);
      add(2, this::batchUploads);
      add(3, this::wrongMethodsAndPaths);
      add(2, this::hugeHeaders);
      add(2, this::malformedHeaders);
      add(2, this::hugeUrls);
      add(3, this::malformedRequestLines);
      add(2, this::rawBytesInUrl);
    }

    private void add(int weight, Function<Random, Case> kind) {
      for (int i = 0; i < weight; i++) {
        kinds.add(kind);
      }
    }

    public Case next() {
      return kinds.get(random.nextInt(kinds.size())).apply(random);
    }

    private byte[] head(String method, String target, byte[] body, String... lines) {
      String[] all = Arrays.copyOf(always, always.length + lines.length);
      System.arraycopy(lines, 0, all, always.length, lines.length);
      return RawHttp.head(method, target, body, all);
    }

    // ---- bodies (POST /v1/jobs, /v1/chat/completions, /v1/jobs/{id}/rejudge) ----

    private static final String[] JSON_TYPES = {"application/json", "application/json; charset=utf-8",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/xml",
        "garbage/", "*/*", null};

    /** A JSON-body endpoint; {@code chat} bodies and {@code jobs} bodies differ in what is required. */
    private String jsonTarget(Random r, boolean chat) {
      if (chat) {
        return "/v1/chat/completions";
      }
      return r.nextInt(5) == 0 ? "/v1/jobs/job_" + hex(r, 32) + "/rejudge" : "/v1/jobs";
    }

    private Case post(String kind, String target, byte[] body, Set<Integer> expected, Random r) {
      String type = JSON_TYPES[r.nextInt(JSON_TYPES.length)];
      byte[] head = type == null ? head("POST", target, body)
          : head("POST", target, body, "Content-Type: " + type);
      // A rejudge of a job that does not exist may be refused for the job before the body is read.
      Set<Integer> ok = target.endsWith("/rejudge") ? union(expected, Set.of(404)) : expected;
      return new Case(kind, head, body, ok);
    }

    Case garbageBody(Random r) {
      byte[] body = new byte[r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(2000)];
      r.nextBytes(body);
      if (body.length > 0 && body[0] == '{') {
        body[0] = '<'; // never by chance an object (it would still be invalid, but keep it obvious)
      }
      return post("garbage body", jsonTarget(r, r.nextBoolean()), body, BAD_REQUEST, r);
    }

    Case truncatedBody(Random r) {
      boolean chat = r.nextBoolean();
      byte[] full = utf8(Json.toString(chat ? validChat(r) : validJob(r)));
      byte[] body = Arrays.copyOf(full, r.nextInt(full.length)); // a proper prefix of an object is never JSON
      return post("truncated body", jsonTarget(r, chat), body, BAD_REQUEST, r);
    }

    Case wrongTopLevel(Random r) {
      String[] values = {"[]", "[{\"role\":\"user\",\"content\":\"hi\"}]", "\"messages\"", "42", "-0.5e7", "true",
          "null", "[" + Json.toString(validJob(r)) + "]", "\"" + word(r) + "\""};
      return post("wrong top level", jsonTarget(r, r.nextBoolean()), utf8(values[r.nextInt(values.length)]),
          BAD_REQUEST, r);
    }

    Case missingRequired(Random r) {
      boolean chat = r.nextBoolean();
      ObjectNode body = chat ? validChat(r) : validJob(r);
      if (chat && r.nextBoolean()) {
        body.remove("model");
      } else {
        body.remove("messages");
      }
      for (int i = r.nextInt(4); i > 0; i--) {
        body.set(word(r), randomValue(r, 3));
      }
      body.remove("messages"); // a random key may not put it back
      return post("missing required field", jsonTarget(r, chat), utf8(Json.toString(body)), BAD_REQUEST, r);
    }

    Case wrongTypes(Random r) {
      boolean chat = r.nextBoolean();
      ObjectNode body = chat ? validChat(r) : validJob(r);
      List<Runnable> breakers = new ArrayList<>(List.of(
          () -> body.set("messages", pick(r, Json.MAPPER.getNodeFactory().numberNode(7), Json.MAPPER.getNodeFactory()
              .textNode("hi"), Json.object().put("role", "user"), Json.MAPPER.createArrayNode(),
              Json.MAPPER.createArrayNode().add(1).add(2))),
          () -> ((ObjectNode) body.withArray("messages").get(0)).put("role", pick(r, "robot", "", "USER ")),
          () -> ((ObjectNode) body.withArray("messages").get(0)).set("content", pick(r,
              Json.MAPPER.getNodeFactory().numberNode(3), Json.object(), Json.MAPPER.createArrayNode().add(5))),
          () -> body.set("temperature", pick(r, Json.MAPPER.getNodeFactory().textNode("hot"),
              Json.MAPPER.getNodeFactory().numberNode(2.5), Json.MAPPER.getNodeFactory().numberNode(-1),
              Json.object())),
          () -> body.set("max_completion_tokens", pick(r, Json.MAPPER.getNodeFactory().textNode("many"),
              Json.MAPPER.getNodeFactory().numberNode(-5), Json.MAPPER.getNodeFactory().numberNode(1.5),
              Json.MAPPER.getNodeFactory().numberNode(1L << 40)))));
      if (chat) {
        breakers.add(() -> body.set("model", pick(r, Json.MAPPER.getNodeFactory().numberNode(1),
            Json.MAPPER.createArrayNode().add("sim/alpha"), Json.object(), Json.MAPPER.getNodeFactory().textNode(" "))));
        breakers.add(() -> body.put("stream", pick(r, "yes", "true", "1")));
        breakers.add(() -> body.put("plugins", "fusion"));
        breakers.add(() -> body.put("tools", 5));
        breakers.add(() -> body.put("tool_choice", 5));
      } else {
        breakers.add(() -> body.set("analysis_models", pick(r, Json.MAPPER.getNodeFactory().numberNode(2),
            Json.MAPPER.createArrayNode(), Json.MAPPER.createArrayNode().add(7), Json.object(),
            Json.MAPPER.createArrayNode().add(""), manyModels())));
        breakers.add(() -> body.set("model", pick(r, Json.MAPPER.getNodeFactory().numberNode(1),
            Json.MAPPER.createArrayNode(), Json.MAPPER.getNodeFactory().textNode(""))));
        breakers.add(() -> body.set("synthesizer", Json.MAPPER.createArrayNode().add("sim/alpha")));
        breakers.add(() -> body.set(pick(r, "colour", "stream", "tools", word(r) + "_x"), randomValue(r, 2)));
        breakers.add(() -> {
          ArrayNode messages = body.putArray("messages");
          for (int i = 0; i < 300; i++) {
            messages.addObject().put("role", "user").put("content", "m" + i);
          }
        });
      }
      breakers.get(r.nextInt(breakers.size())).run();
      return post("wrong type", jsonTarget(r, chat), utf8(Json.toString(body)), BAD_REQUEST, r);
    }

    Case deeplyNested(Random r) {
      boolean chat = r.nextBoolean();
      int depth = 1001 + r.nextInt(20_000);
      boolean arrays = r.nextBoolean();
      String open = arrays ? "[" : "{\"a\":";
      String close = arrays ? "]" : "}";
      String deep = open.repeat(depth) + (arrays ? "" : "1") + close.repeat(depth);
      String body = switch (r.nextInt(3)) {
        case 0 -> deep;
        case 1 -> "{\"messages\":" + deep + "}";
        default -> {
          String valid = Json.toString(chat ? validChat(r) : validJob(r));
          yield valid.substring(0, valid.length() - 1) + ",\"deep\":" + deep + "}";
        }
      };
      return post("deeply nested", jsonTarget(r, chat), utf8(body), BAD_REQUEST, r);
    }

    private static final byte[][] BAD_UTF8 = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xFE, (byte) 0xFF},
        {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
        {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82}};

    /** A valid request with an invalid UTF-8 sequence inside its prompt: only the encoding is wrong. */
    Case badUtf8Body(Random r) {
      boolean chat = r.nextBoolean();
      String marker = "MARKER";
      ObjectNode body = chat ? validChat(r) : validJob(r);
      ((ObjectNode) body.withArray("messages").get(0)).put("content", "before " + marker + " after");
      byte[] text = utf8(Json.toString(body));
      int at = RawHttp.indexOf(text, utf8(marker));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(text, 0, at);
      out.writeBytes(BAD_UTF8[r.nextInt(BAD_UTF8.length)]);
      out.write(text, at + marker.length(), text.length - at - marker.length());
      return post("bad UTF-8 body", jsonTarget(r, chat), out.toByteArray(), BAD_REQUEST, r);
    }

    Case hugeNumbers(Random r) {
      boolean chat = r.nextBoolean();
      String digits = "9".repeat(1001 + r.nextInt(5000));
      String number = pick(r, digits, "1e" + digits, "0." + digits, "-" + digits);
      String valid = Json.toString(chat ? validChat(r) : validJob(r));
      String body = valid.substring(0, valid.length() - 1) + ",\"temperature\":" + number + "}";
      return post("huge number", jsonTarget(r, chat), utf8(body), BAD_REQUEST, r);
    }

    Case controlCharacters(Random r) {
      boolean chat = r.nextBoolean();
      ObjectNode body = chat ? validChat(r) : validJob(r);
      ((ObjectNode) body.withArray("messages").get(0)).put("content", "MARKER");
      char control = (char) r.nextInt(0x20);
      String text = Json.toString(body).replace("MARKER", "a" + control + "b");
      return post("raw control character", jsonTarget(r, chat), utf8(text), BAD_REQUEST, r);
    }

    /**
     * Over the body limit, or a prompt over the job size limit inside it (400 or 413). Only a deliberation
     * becomes a job: a plain chat completion (any other model) is bounded by the body limit alone, so the
     * under-the-body-limit case asks chat completions for {@code fusion}.
     */
    Case oversized(Random r) {
      boolean chat = r.nextBoolean();
      ObjectNode body = chat ? validChat(r) : validJob(r);
      boolean overBody = r.nextBoolean();
      if (chat && !overBody) {
        body.put("model", "fusion").put("tool_choice", "required");
      }
      int chars = overBody ? MAX_BODY + 1 + r.nextInt(64 * 1024) : 400_001 + r.nextInt(64 * 1024);
      ((ObjectNode) body.withArray("messages").get(0)).put("content", "x".repeat(chars));
      return post("oversized", jsonTarget(r, chat), utf8(Json.toString(body)),
          overBody ? Set.of(413) : BAD_OR_TOO_LARGE, r);
    }

    // ---- IDs, queries, methods, paths ----

    private static final String[][] ID_ROUTES = {{"GET", "/v1/jobs/", ""}, {"DELETE", "/v1/jobs/", ""},
        {"GET", "/v1/jobs/", "/events"}, {"POST", "/v1/jobs/", "/rejudge"}, {"GET", "/v1/batches/", ""},
        {"GET", "/v1/batches/", "/results"}, {"POST", "/v1/batches/", "/cancel"}};

    Case randomIds(Random r) {
      String[] route = ID_ROUTES[r.nextInt(ID_ROUTES.length)];
      // Always starts with a letter, so the segment is never "." or ".." (which the router normalises away).
      String prefix = pick(r, "job_", "batch_", "x", "JOB_");
      String id = prefix + switch (r.nextInt(6)) {
        case 0 -> hex(r, r.nextInt(40));
        case 1 -> percentEncoded(r, 1 + r.nextInt(40));
        case 2 -> pick(r, "%", "%z", "%zz", "%%", "%G1", "%E0%A4%A", "%ED%A0%80", "%FF", "%00", "%u0041");
        case 3 -> safeAscii(r, 1 + r.nextInt(3000));
        case 4 -> hex(r, 32) + pick(r, ";x=1", "%2F..", "%00", "%20", "~", "!$&'()*+,=:@");
        default -> safeAscii(r, 1 + r.nextInt(30)) + pick(r, "%", "%2", "%C3", "%C3%28");
      };
      String[] headers = r.nextInt(4) == 0 ? new String[] {"Last-Event-ID: " + pick(r, "abc", "-", "1e9", "")}
          : new String[0];
      byte[] body = route[0].equals("POST") && r.nextBoolean() ? utf8("{}") : null;
      byte[] head = head(route[0], route[1] + id + route[2], body, headers);
      return new Case("random id", head, body, Set.of(400, 404));
    }

    Case badQueries(Random r) {
      String bad = pick(r, "limit=" + pick(r, "0", "101", "-1", "abc", "1e3", "9".repeat(30), ""),
          "status=" + pick(r, "done", "QUEUED", "", "running,failed"), "limit=%zz", "status=%", "after=%E0%A4%A&limit=0",
          "%=1", "limit=1&status=nope");
      String extra = r.nextBoolean() ? "&after=" + safeAscii(r, 1 + r.nextInt(20)) : "";
      boolean batches = r.nextInt(4) == 0;
      // /v1/batches clamps a bad limit instead of refusing it: only an undecodable query is sure to fail there.
      String target = batches ? "/v1/batches?" + pick(r, "limit=%zz", "%", "a=%E0%A4%A") : "/v1/jobs?" + bad + extra;
      return new Case("bad query", head("GET", target, null), null, BAD_REQUEST);
    }

    /** A streamed batch upload whose settings are invalid, with a random body. */
    Case batchUploads(Random r) {
      String query = pick(r, "temperature=hot", "temperature=7", "max_completion_tokens=-3", "model=",
          "temperature=" + "[".repeat(2000), "analysis_models=" + ",".repeat(3), "temperature=%zz",
          "analysis_models=" + "sim/a,".repeat(9) + "sim/b");
      byte[] body = r.nextBoolean() ? utf8("{\"custom_id\":\"a\",\"prompt\":\"hi\"}\n") : randomBytes(r, r.nextInt(3000));
      byte[] head = head("POST", "/v1/batches?" + query, body, "Content-Type: application/jsonl");
      return new Case("batch upload", head, body, BAD_REQUEST);
    }

    private static final String[] PATHS = {"/v1/jobs", "/v1/jobs/job_0123456789abcdef0123456789abcdef",
        "/v1/jobs/job_0123456789abcdef0123456789abcdef/events", "/v1/jobs/job_0123456789abcdef0123456789abcdef/rejudge",
        "/v1/chat/completions", "/v1/batches", "/v1/batches/batch_1", "/v1/batches/batch_1/cancel", "/health",
        "/openapi.json"};

    Case wrongMethodsAndPaths(Random r) {
      if (r.nextBoolean()) {
        String path = PATHS[r.nextInt(PATHS.length)];
        String method = pick(r, "PUT", "PATCH", "OPTIONS", "PROPFIND", "FOO", "TRACE");
        if (path.equals("/v1/jobs") || path.endsWith("/rejudge") || path.endsWith("/completions")
            || path.endsWith("/cancel") || path.equals("/v1/batches")) {
          method = pick(r, method, "DELETE");
        }
        // The batch routes sit before the body handler (uploads stream), whose catch-all route makes
        // the router forget the method mismatch: a wrong method on a batch path is a 404 there.
        return new Case("wrong method", head(method, path, null), null,
            path.startsWith("/v1/batches") ? Set.of(404, 405) : Set.of(405));
      }
      String path = pick(r, "/v2/jobs", "/v1", "/v1/", "/v1/job", "/v1/jobs/x/y/z", "/v1/chat", "/admin", "/.env",
          "/v1/batches/x/y/z", "/" + safeAscii(r, 1 + r.nextInt(200)), "/v1/" + percentEncoded(r, 10));
      String method = pick(r, "GET", "POST", "DELETE");
      byte[] body = method.equals("POST") ? randomBytes(r, r.nextInt(100)) : null;
      // A POST body that is not UTF-8 is refused (400) by the /v1 body check before routing ends.
      return new Case("unknown path", head(method, path, body), body, Set.of(400, 404, 405));
    }

    // ---- codec level ----

    Case hugeHeaders(Random r) {
      String target = pick(r, "/v1/jobs", "/v1/chat/completions", "/health", "/v1/jobs/job_x");
      List<String> headers = new ArrayList<>();
      if (r.nextBoolean()) {
        headers.add(pick(r, "X-Big", "Authorization", "Cookie", "Idempotency-Key") + ": "
            + safeAscii(r, MAX_HEADERS + 1 + r.nextInt(4 * MAX_HEADERS)));
      } else {
        for (int total = 0; total <= MAX_HEADERS + 256; ) {
          String h = "X-H" + headers.size() + ": " + safeAscii(r, 50 + r.nextInt(200));
          headers.add(h);
          total += h.length();
        }
      }
      return new Case("huge headers", head("GET", target, null, headers.toArray(String[]::new)), null,
          Set.of(431));
    }

    Case malformedHeaders(Random r) {
      String header = pick(r, "No colon here", "Bad Name: x", "X-Nul: a\u0000b", "X-Ctl\u0001: v",
          "Content-Length: abc", "Content-Length: -1", "Content-Length: 1\r\nContent-Length: 2",
          "Content-Length: 99999999999999999999", "X-Bell\u0007: v");
      String target = pick(r, "/v1/jobs", "/health", "/v1/chat/completions");
      String head = pick(r, "GET", "POST") + " " + target + " HTTP/1.1\r\nHost: x\r\n" + header + "\r\nConnection: close\r\n\r\n";
      return new Case("malformed header", head.getBytes(StandardCharsets.ISO_8859_1), null, BAD_REQUEST);
    }

    Case hugeUrls(Random r) {
      String base = pick(r, "/v1/jobs/", "/v1/jobs?after=", "/v1/batches/", "/", "/v1/chat/completions?x=");
      String target = base + safeAscii(r, MAX_REQUEST_LINE + 1 + r.nextInt(4 * MAX_REQUEST_LINE));
      return new Case("huge URL", head(pick(r, "GET", "POST", "DELETE"), target, null), null, Set.of(414));
    }

    Case malformedRequestLines(Random r) {
      String line = pick(r, "THIS IS NOT HTTP", "GET", "GET /v1/jobs", "GET /v1/jobs HTTP/1.1 extra",
          "GET /v1/jobs HTTP/1.1x",
          "\u0000\u0001\u0002", safeAscii(r, 1 + r.nextInt(100)), "GET /v1/jobs HTTP/1");
      String head = line + "\r\nHost: x\r\nConnection: close\r\n\r\n";
      return new Case("malformed request line", head.getBytes(StandardCharsets.ISO_8859_1), null, BAD_REQUEST);
    }

    private static final int[] RAW_ASCII = {0x01, 0x7F, 0x1B, '"', '<', '{', '\\', '^', '`'};

    /** Raw bytes (not UTF-8, control characters) in the request target, as no HTTP client would send. */
    Case rawBytesInUrl(Random r) {
      StringBuilder target = new StringBuilder(pick(r, "/v1/jobs/job_", "/v1/batches/b", "/v1/", "/v1/jobs?limit="));
      for (int i = 1 + r.nextInt(20); i > 0; i--) {
        int b = r.nextBoolean() ? 0x80 + r.nextInt(0x80) : RAW_ASCII[r.nextInt(RAW_ASCII.length)];
        target.append((char) b); // one byte each (ISO-8859-1)
      }
      return new Case("raw bytes in URL", head("GET", target.toString(), null), null, Set.of(400, 404));
    }

    // ---- building blocks ----

    ObjectNode validJob(Random r) {
      ObjectNode body = Json.object();
      body.putArray("messages").addObject().put("role", "user").put("content", "Question " + word(r) + "?");
      body.putArray("analysis_models").add("sim/alpha").add("sim/beta");
      return body;
    }

    ObjectNode validChat(Random r) {
      ObjectNode body = Json.object().put("model", pick(r, "fusion", "sim/alpha"));
      body.putArray("messages").addObject().put("role", "user").put("content", "Question " + word(r) + "?");
      return body;
    }

    private static ArrayNode manyModels() {
      ArrayNode a = Json.MAPPER.createArrayNode();
      for (int i = 0; i < 9; i++) {
        a.add("sim/m" + i);
      }
      return a;
    }

    private JsonNode randomValue(Random r, int depth) {
      var f = Json.MAPPER.getNodeFactory();
      int k = r.nextInt(depth > 0 ? 7 : 5);
      return switch (k) {
        case 0 -> f.numberNode(r.nextLong());
        case 1 -> f.textNode(word(r));
        case 2 -> f.booleanNode(r.nextBoolean());
        case 3 -> f.nullNode();
        case 4 -> f.numberNode(r.nextDouble() * 1e6);
        case 5 -> {
          ArrayNode a = f.arrayNode();
          for (int i = r.nextInt(4); i > 0; i--) {
            a.add(randomValue(r, depth - 1));
          }
          yield a;
        }
        default -> {
          ObjectNode o = f.objectNode();
          for (int i = r.nextInt(4); i > 0; i--) {
            o.set(word(r), randomValue(r, depth - 1));
          }
          yield o;
        }
      };
    }

    private static String word(Random r) {
      StringBuilder sb = new StringBuilder();
      for (int i = 3 + r.nextInt(8); i > 0; i--) {
        sb.append((char) ('a' + r.nextInt(26)));
      }
      return sb.toString();
    }

    private static String hex(Random r, int n) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < n; i++) {
        sb.append("0123456789abcdef".charAt(r.nextInt(16)));
      }
      return sb.toString();
    }

    /** Characters that need no encoding in a path segment (no '/', '?', '#', '%', '.'). */
    private static String safeAscii(Random r, int n) {
      String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~";
      StringBuilder sb = new StringBuilder(n);
      for (int i = 0; i < n; i++) {
        sb.append(chars.charAt(r.nextInt(chars.length())));
      }
      return sb.toString();
    }

    private static String percentEncoded(Random r, int n) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < n; i++) {
        sb.append('%').append(String.format("%02X", r.nextInt(256)));
      }
      return sb.toString();
    }

    private static byte[] randomBytes(Random r, int n) {
      byte[] b = new byte[n];
      r.nextBytes(b);
      return b;
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
      return options[r.nextInt(options.length)];
    }

    private static byte[] utf8(String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
      java.util.Set<Integer> u = new java.util.HashSet<>(a);
      u.addAll(b);
      return Set.copyOf(u);
    }
  }
}
