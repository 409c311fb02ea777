package dev.fusion.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generated hostile HTTP requests (seeded, so a failure can be replayed): malformed and wrong-typed JSON,
 * deep nesting, bad UTF-8, oversized bodies, huge headers and URLs, odd paths, bad auth. Every answer must
 * be a 4xx in the OpenAI error shape.
 */
final class HttpFuzz {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AUTH = "Authorization: Bearer " + Pipeline.ACME_KEY + "\r\n";
  private static final String JSON_TYPE = "Content-Type: application/json\r\n";

  record Case(String kind, String method, String target, String headers, byte[] body) {}

  record Outcome(int sent, int bad, Map<String, String> badByKind) {}

  static List<Case> generate(long seed, int count) {
    Random random = new Random(seed);
    List<Case> cases = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      cases.add(one(random, i));
    }
    return cases;
  }

  private static Case one(Random r, int i) {
    String valid = "{\"messages\":[{\"role\":\"user\",\"content\":\"fuzz " + i + "\"}]}";
    return switch (i % 14) {
      case 0 -> post("truncated-json", valid.substring(0, 1 + r.nextInt(valid.length() - 2)).getBytes(StandardCharsets.UTF_8));
      case 1 -> post("random-bytes", randomBytes(r, 1 + r.nextInt(2_000)));
      case 2 -> post("wrong-type", wrongType(r).getBytes(StandardCharsets.UTF_8));
      case 3 -> post("deep-nesting", nested(r, 1_000 + r.nextInt(50_000)));
      case 4 -> post("bad-utf8", badUtf8(r));
      case 5 -> post("unknown-or-empty", pick(r, "{}", "[]", "null", "\"x\"", "{\"messages\":[]}",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"surprise\":1}",
          "{\"messages\":[{\"role\":\"wizard\",\"content\":\"a\"}]}",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"analysis_models\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"]}",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"temperature\":9}").getBytes(StandardCharsets.UTF_8));
      case 6 -> i % 28 == 6
          ? post("oversized-body", ("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(1_200_000) + "\"}]}")
              .getBytes(StandardCharsets.UTF_8))
          : post("long-model-id", ("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"model\":\"sim/judge;"
              + "x".repeat(100_000 + r.nextInt(800_000)) + "\"}").getBytes(StandardCharsets.UTF_8));
      case 7 -> new Case("huge-header", "POST", "/v1/jobs",
          AUTH + JSON_TYPE + "X-Fuzz: " + "h".repeat(9_000 + r.nextInt(60_000)) + "\r\n", valid.getBytes(StandardCharsets.UTF_8));
      case 8 -> new Case("huge-url", "GET", "/v1/jobs/job_" + "u".repeat(5_000 + r.nextInt(60_000)), AUTH, null);
      case 9 -> new Case("odd-path", pick(r, "GET", "DELETE", "POST"), pick(r, "/v1/jobs/job_%", "/v1/jobs/%zz",
          "/v1/jobs/..%2f..%2fetc", "/v1/jobs/job_%00", "/v1/jobs/" + "%".repeat(1 + r.nextInt(20)),
          "/v1/nothing-here", "/v1/jobs/job_x/events?x=%", "/v1/jobs?limit=-1", "/v1/jobs?limit=abc&after=%ff"),
          AUTH, null);
      case 10 -> new Case("bad-auth", "POST", "/v1/jobs", pick(r, "", "Authorization: Bearer nope\r\n",
          "Authorization: Basic Zm9vOmJhcg==\r\n", "Authorization: Bearer \r\n") + JSON_TYPE, valid.getBytes(StandardCharsets.UTF_8));
      case 11 -> new Case("wrong-content-type", "POST", "/v1/jobs", AUTH + pick(r, "Content-Type: text/plain\r\n",
          "Content-Type: application/x-www-form-urlencoded\r\n", "Content-Type: multipart/form-data; boundary=x\r\n"),
          "messages=a".getBytes(StandardCharsets.UTF_8));
      case 12 -> new Case("bad-request-line", pick(r, "GET", "BREW", "POST"), pick(r, "/v1/jobs HTTP/1.1 extra",
          "v1/jobs", "/v1/jobs\u0001"), AUTH, null);
      default -> post("wrong-type-chat", pick(r, "{\"model\":1,\"messages\":\"x\"}", "{\"model\":\"fusion\",\"messages\":[1,2]}",
          "{\"model\":\"fusion\",\"messages\":[{\"role\":\"user\",\"content\":{\"a\":1}}],\"stream\":\"yes\"}")
          .getBytes(StandardCharsets.UTF_8), "/v1/chat/completions");
    };
  }

  /** Sends every case and checks each answer: a 4xx whose body is {"error": {"message": ..., "type": ...}}. */
  static Outcome run(int port, List<Case> cases) {
    Map<String, String> badByKind = new LinkedHashMap<>();
    int bad = 0;
    for (Case c : cases) {
      RawHttp.Response response = RawHttp.send(port, c.method(), c.target(), c.headers(), c.body());
      String problem = problem(response);
      if (problem != null) {
        bad++;
        badByKind.putIfAbsent(c.kind(), problem);
      }
    }
    return new Outcome(cases.size(), bad, badByKind);
  }

  static String problem(RawHttp.Response response) {
    if (response.status() == 0) {
      return "no HTTP answer within 20 s (or the connection closed without one)" + abbreviate(response.body());
    }
    if (response.status() < 400 || response.status() > 499) {
      return "status " + response.status() + ": " + abbreviate(response.body());
    }
    try {
      JsonNode error = JSON.readTree(response.body()).get("error");
      if (error == null || !error.path("message").isTextual() || !error.path("type").isTextual()) {
        return "status " + response.status() + " without the OpenAI error shape: " + abbreviate(response.body());
      }
      return null;
    } catch (Exception e) {
      return "status " + response.status() + " with a body that is not JSON: " + abbreviate(response.body());
    }
  }

  private static Case post(String kind, byte[] body) {
    return post(kind, body, "/v1/jobs");
  }

  private static Case post(String kind, byte[] body, String path) {
    return new Case(kind, "POST", path, AUTH + JSON_TYPE, body);
  }

  private static String wrongType(Random r) {
    return pick(r, "{\"messages\":\"hello\"}", "{\"messages\":42}", "{\"messages\":{\"role\":\"user\"}}",
        "{\"messages\":[{\"role\":\"user\",\"content\":42}]}", "{\"messages\":[{\"role\":1,\"content\":\"a\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"analysis_models\":\"sim/alpha\"}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"analysis_models\":[1,2]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"temperature\":\"hot\"}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_completion_tokens\":-5}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"max_completion_tokens\":1e400}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"model\":[\"sim/judge\"]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"synthesizer\":{}}");
  }

  private static byte[] nested(Random r, int depth) {
    String open = r.nextBoolean() ? "[" : "{\"a\":";
    String close = open.equals("[") ? "]" : "}";
    String inner = open.repeat(depth) + "1" + close.repeat(depth);
    return ("{\"messages\":[{\"role\":\"user\",\"content\":" + inner + "}]}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] badUtf8(Random r) {
    byte[] prefix = "{\"messages\":[{\"role\":\"user\",\"content\":\"".getBytes(StandardCharsets.UTF_8);
    byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
    byte[] middle = bad[r.nextInt(bad.length)];
    byte[] suffix = "\"}]}".getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[prefix.length + middle.length + suffix.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(middle, 0, out, prefix.length, middle.length);
    System.arraycopy(suffix, 0, out, prefix.length + middle.length, suffix.length);
    return out;
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

  private static String abbreviate(String s) {
    String flat = s == null ? "" : s.replaceAll("\\s+", " ");
    return flat.length() > 160 ? flat.substring(0, 160) + "…" : flat;
  }
}
