package dev.fusion.simulator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small built-in web: pages on varied topics, a deterministic search over them (by word overlap) and
 * each page as a realistic HTML document. The simulator serves it SearXNG-style at {@code /search} and
 * the pages at {@code /web/<slug>}, so web tools can be tested with real HTTP and no internet.
 */
final class WebCorpus {

  /** A heading and its paragraphs. */
  record Section(String heading, List<String> paragraphs) {}

  /** One page; {@code terms} are the normalized words of its title and of everything else. */
  record Page(String slug, String title, String summary, List<Section> sections, Set<String> titleTerms,
      Set<String> bodyTerms) {}

  /** A search hit. */
  record Hit(Page page, double score) {}

  static final String PATH_PREFIX = "/web/";
  static final String SITE_NAME = "Simulated Web";

  private static final Set<String> STOPWORDS = Set.of(
      "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
      "can", "could", "did", "do", "does", "for", "from", "had", "has", "have", "how", "i", "if", "in", "into",
      "is", "it", "its", "me", "more", "most", "my", "no", "not", "of", "on", "or", "our", "should", "so",
      "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "us",
      "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you",
      "your", "please", "tell", "give", "explain", "compare", "between", "versus", "vs", "worth", "really",
      "question", "answer", "conversation", "panel", "answered", "responses", "response", "user", "system",
      "assistant", "return", "fusion_analysis", "json", "label", "begin", "end");

  static final WebCorpus BUILT_IN = parse(CorpusText.PAGES);

  private final List<Page> pages;
  private final Map<String, Page> bySlug;

  private WebCorpus(List<Page> pages) {
    this.pages = List.copyOf(pages);
    Map<String, Page> m = new LinkedHashMap<>();
    for (Page p : pages) {
      m.put(p.slug(), p);
    }
    this.bySlug = m;
  }

  List<Page> pages() {
    return pages;
  }

  Page page(String slug) {
    return bySlug.get(slug);
  }

  /**
   * The pages that share a word with the query, best first: a query word in the title counts 3, in the
   * rest of the page 1; ties by slug. A query with no known word finds nothing.
   */
  List<Hit> search(String query) {
    Set<String> terms = terms(query);
    List<Hit> hits = new ArrayList<>();
    for (Page p : pages) {
      int score = 0;
      for (String t : terms) {
        score += (p.titleTerms().contains(t) ? 3 : 0) + (p.bodyTerms().contains(t) ? 1 : 0);
      }
      if (score > 0) {
        hits.add(new Hit(p, score));
      }
    }
    hits.sort(Comparator.comparingDouble(Hit::score).reversed().thenComparing(h -> h.page().slug()));
    return hits;
  }

  // ---------------------------------------------------------------- words

  /** The normalized words of {@code text}: lower case, stop words dropped, a plural's {@code s} cut. */
  static Set<String> terms(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (String w : words(text)) {
      if (!STOPWORDS.contains(w)) {
        out.add(stem(w));
      }
    }
    return out;
  }

  /** Up to {@code max} distinct words of {@code text} worth searching for, in order, as written (lower case). */
  static List<String> keywords(String text, int max) {
    List<String> out = new ArrayList<>();
    for (String w : words(text)) {
      if (w.length() > 2 && !STOPWORDS.contains(w) && !out.contains(w)) {
        out.add(w);
        if (out.size() == max) {
          break;
        }
      }
    }
    return out;
  }

  private static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : ' ';
      if (Character.isLetterOrDigit(c)) {
        w.append(Character.toLowerCase(c));
      } else if (w.length() > 0) {
        out.add(w.toString());
        w.setLength(0);
      }
    }
    return out;
  }

  private static String stem(String w) {
    if (w.length() > 4 && w.endsWith("ies")) {
      return w.substring(0, w.length() - 3) + "y";
    }
    if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) {
      return w.substring(0, w.length() - 1);
    }
    return w;
  }

  // ---------------------------------------------------------------- HTML

  /**
   * The page as a web site would serve it: head with title, description, canonical link, a style and a
   * script; a header with the site's navigation; the article; related links; a footer. Links inside the
   * site are relative; {@code root} ({@code http://host:port}) only makes the canonical link absolute.
   */
  String html(Page p, String root) {
    StringBuilder h = new StringBuilder(4096);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(esc(p.title())).append(" | ").append(SITE_NAME).append("</title>\n")
        .append("<meta name=\"description\" content=\"").append(esc(p.summary())).append("\">\n")
        .append("<link rel=\"canonical\" href=\"").append(esc(root + PATH_PREFIX + p.slug())).append("\">\n")
        .append("<style>body{font-family:Georgia,serif;max-width:46em;margin:auto}nav a{margin-right:1em}</style>\n")
        .append("<script>window.analytics=window.analytics||[];")
        .append("window.analytics.push({event:'page_view',page:'").append(p.slug()).append("'});</script>\n")
        .append("</head>\n<body>\n<header class=\"site-header\">\n<a class=\"logo\" href=\"/web/\">")
        .append(SITE_NAME).append("</a>\n<nav aria-label=\"Main\">\n");
    for (Page other : pages.subList(0, Math.min(5, pages.size()))) {
      h.append("<a href=\"").append(PATH_PREFIX).append(other.slug()).append("\">")
          .append(esc(shortTitle(other.title()))).append("</a>\n");
    }
    h.append("</nav>\n</header>\n<main>\n<article>\n<h1>").append(esc(p.title())).append("</h1>\n")
        .append("<p class=\"byline\">By the ").append(SITE_NAME).append(" editors</p>\n")
        .append("<p class=\"lede\">").append(esc(p.summary())).append("</p>\n");
    for (Section s : p.sections()) {
      h.append("<h2>").append(esc(s.heading())).append("</h2>\n");
      for (String para : s.paragraphs()) {
        h.append("<p>").append(esc(para)).append("</p>\n");
      }
    }
    h.append("</article>\n<aside class=\"related\">\n<h2>Related</h2>\n<ul>\n");
    int at = pages.indexOf(p);
    for (int i = 1; i <= 3; i++) {
      Page rel = pages.get((at + i) % pages.size());
      h.append("<li><a href=\"").append(PATH_PREFIX).append(rel.slug()).append("\">").append(esc(rel.title()))
          .append("</a></li>\n");
    }
    h.append("</ul>\n</aside>\n</main>\n<footer class=\"site-footer\">\n<p>&copy; ").append(SITE_NAME)
        .append(". Pages served by the Fusion model simulator for tests; not real sources.</p>\n")
        .append("<p><a href=\"/web/\">All pages</a></p>\n</footer>\n</body>\n</html>\n");
    return h.toString();
  }

  /** A plain index of every page. */
  String indexHtml() {
    StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .append(SITE_NAME).append("</title>\n</head>\n<body>\n<main>\n<h1>").append(SITE_NAME).append("</h1>\n<ul>\n");
    for (Page p : pages) {
      h.append("<li><a href=\"").append(PATH_PREFIX).append(p.slug()).append("\">").append(esc(p.title()))
          .append("</a></li>\n");
    }
    return h.append("</ul>\n</main>\n</body>\n</html>\n").toString();
  }

  static String notFoundHtml() {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Page not found | "
        + SITE_NAME + "</title>\n</head>\n<body>\n<main>\n<h1>Page not found</h1>\n"
        + "<p>There is no such page. <a href=\"/web/\">All pages</a></p>\n</main>\n</body>\n</html>\n";
  }

  private static String shortTitle(String title) {
    int colon = title.indexOf(':');
    return colon > 0 ? title.substring(0, colon) : title;
  }

  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- the text

  /**
   * Reads the corpus text: a page starts with {@code === slug}, then {@code title:} and {@code summary:}
   * lines; {@code ## heading} starts a section; every other non-blank line is a paragraph.
   */
  static WebCorpus parse(String text) {
    List<Page> pages = new ArrayList<>();
    String slug = null;
    String title = null;
    String summary = null;
    List<Section> sections = new ArrayList<>();
    String heading = null;
    List<String> paragraphs = new ArrayList<>();
    for (String raw : (text + "\n=== ").split("\n")) {
      String line = raw.strip();
      if (line.startsWith("===") || line.startsWith("## ")) {
        if (heading != null) {
          sections.add(new Section(heading, List.copyOf(paragraphs)));
          paragraphs.clear();
        }
        heading = line.startsWith("## ") ? line.substring(3).strip() : null;
        if (line.startsWith("===")) {
          if (slug != null) {
            pages.add(page(slug, title, summary, sections));
          }
          slug = line.substring(3).strip();
          title = null;
          summary = null;
          sections = new ArrayList<>();
        }
      } else if (line.startsWith("title:")) {
        title = line.substring(6).strip();
      } else if (line.startsWith("summary:")) {
        summary = line.substring(8).strip();
      } else if (!line.isEmpty()) {
        if (heading == null) {
          throw new IllegalArgumentException("corpus page " + slug + ": a paragraph before any heading");
        }
        paragraphs.add(line);
      }
    }
    return new WebCorpus(pages);
  }

  private static Page page(String slug, String title, String summary, List<Section> sections) {
    if (slug.isEmpty() || title == null || summary == null || sections.isEmpty()) {
      throw new IllegalArgumentException("corpus page '" + slug + "' needs a title, a summary and sections");
    }
    StringBuilder body = new StringBuilder(summary);
    for (Section s : sections) {
      body.append(' ').append(s.heading());
      s.paragraphs().forEach(p -> body.append(' ').append(p));
    }
    return new Page(slug, title, summary, List.copyOf(sections), Set.copyOf(terms(title)),
        Set.copyOf(terms(body.toString())));
  }
}
