package dev.fusion.web;

/** One search hit as the model sees it; every field already bounded (see {@link SearchBackend#result}). */
record SearchResult(String title, String url, String snippet) {}
