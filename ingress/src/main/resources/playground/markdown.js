// A small Markdown renderer that never parses HTML: it builds DOM nodes with createElement and puts every
// piece of model text in text nodes, so markup in an answer (<script>, <img onerror>, ...) shows as text
// and can neither run nor load anything. Links are kept only for http(s) URLs; images are shown as links
// (loading them would fetch from another origin). Covers what models write: headings, paragraphs, lists,
// quotes, code, tables, rules, emphasis, inline code and links.

const SAFE_PROTOCOLS = new Set(['http:', 'https:']);

/** An http(s) URL as a string, or null for anything else (javascript:, data:, relative, malformed). */
export function safeUrl(raw) {
  try {
    const url = new URL(raw);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** A link that opens in a new tab and tells the target nothing about the page. */
export function link(href, text) {
  const a = document.createElement('a');
  a.href = href;
  a.rel = 'noopener noreferrer nofollow';
  a.target = '_blank';
  a.textContent = text;
  return a;
}

/** Renders Markdown text into a DocumentFragment. */
export function renderMarkdown(text) {
  const out = document.createDocumentFragment();
  const lines = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (/^\s*$/.test(line)) { i++; continue; }
    const fence = line.match(/^\s*(```+|~~~+)\s*([\w+-]*)\s*$/);
    if (fence) {
      const code = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) { code.push(lines[i]); i++; }
      i++; // the closing fence (or the end)
      const pre = document.createElement('pre');
      const c = document.createElement('code');
      c.textContent = code.join('\n');
      pre.append(c);
      out.append(pre);
      continue;
    }
    const heading = line.match(/^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/);
    if (heading) {
      // Answers sit under the page's own headings: their levels start at h4.
      const h = document.createElement('h' + Math.min(6, heading[1].length + 3));
      h.append(inline(heading[2]));
      out.append(h);
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.append(document.createElement('hr'));
      i++;
      continue;
    }
    if (isTableStart(lines, i)) {
      i = table(lines, i, out);
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i])) { quoted.push(lines[i].replace(/^\s{0,3}>\s?/, '')); i++; }
      const q = document.createElement('blockquote');
      q.append(renderMarkdown(quoted.join('\n')));
      out.append(q);
      continue;
    }
    const item = listItem(line);
    if (item) {
      i = list(lines, i, item.ordered, out);
      continue;
    }
    const para = [];
    while (i < lines.length && !/^\s*$/.test(lines[i]) && !startsBlock(lines, i)) { para.push(lines[i].trim()); i++; }
    if (para.length === 0) { para.push(line.trim()); i++; }
    const p = document.createElement('p');
    p.append(inline(para.join('\n')));
    out.append(p);
  }
  return out;
}

function listItem(line) {
  const m = line.match(/^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/);
  return m ? { indent: m[1].length, ordered: /\d/.test(m[2]), text: m[3] } : null;
}

function startsBlock(lines, i) {
  const line = lines[i];
  return /^\s*(```|~~~)/.test(line) || /^\s{0,3}#{1,6}\s/.test(line) || /^\s{0,3}>/.test(line)
    || listItem(line) !== null || isTableStart(lines, i);
}

function list(lines, i, ordered, out) {
  const el = document.createElement(ordered ? 'ol' : 'ul');
  let li = null;
  while (i < lines.length) {
    const item = listItem(lines[i]);
    if (item && item.ordered === ordered && item.indent < 4) {
      li = document.createElement('li');
      li.append(inline(item.text));
      el.append(li);
      i++;
    } else if (li && /^\s{2,}\S/.test(lines[i])) {
      // A continuation (or a nested item): kept as text of the item, on its own line.
      li.append(document.createElement('br'), inline(lines[i].trim()));
      i++;
    } else {
      break;
    }
  }
  out.append(el);
  return i;
}

function cells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

function isTableStart(lines, i) {
  return i + 1 < lines.length && lines[i].includes('|')
    && /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/.test(lines[i + 1]);
}

function table(lines, i, out) {
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  const t = document.createElement('table');
  t.className = 'table';
  const head = t.createTHead().insertRow();
  for (const c of cells(lines[i])) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.append(inline(c));
    head.append(th);
  }
  i += 2;
  const body = t.createTBody();
  while (i < lines.length && lines[i].includes('|') && !/^\s*$/.test(lines[i])) {
    const row = body.insertRow();
    for (const c of cells(lines[i])) row.insertCell().append(inline(c));
    i++;
  }
  wrap.append(t);
  out.append(wrap);
  return i;
}

// Inline spans, tried in this order at each position: code, image, link, bare URL, strong, emphasis.
const INLINE = new RegExp([
  '(`+)([^`]|[^`][\\s\\S]*?[^`])\\1(?!`)', // 1,2: code
  '!\\[([^\\]]*)\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+"[^"]*")?\\s*\\)', // 3,4: image
  '\\[([^\\]]+)\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+"[^"]*")?\\s*\\)', // 5,6: link
  '(https?:\\/\\/[^\\s<>()"\']*[^\\s<>()"\'.,;:!?])', // 7: bare URL
  '\\*\\*(?=\\S)([\\s\\S]*?\\S)\\*\\*', // 8: strong
  '__(?=\\S)([\\s\\S]*?\\S)__', // 9: strong
  '\\*(?=[^\\s*])([^*]*?[^\\s*])\\*', // 10: emphasis
  '(?<![\\w])_(?=[^\\s_])([^_]*?[^\\s_])_(?![\\w])', // 11: emphasis
].join('|'), 'g');

/** Inline Markdown of one block's text as a fragment: text nodes and a few safe elements. */
export function inline(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  const source = String(text);
  for (const m of source.matchAll(INLINE)) {
    if (m.index > last) appendText(frag, source.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] !== undefined) {
      const code = document.createElement('code');
      code.textContent = m[2];
      frag.append(code);
    } else if (m[4] !== undefined) {
      const href = safeUrl(m[4]);
      const label = 'image: ' + (m[3] || m[4]);
      frag.append(href ? link(href, label) : document.createTextNode(m[0]));
    } else if (m[6] !== undefined) {
      const href = safeUrl(m[6]);
      if (href) {
        frag.append(link(href, m[5]));
      } else {
        frag.append(document.createTextNode(m[0])); // javascript:, data:, ...: shown, never followed
      }
    } else if (m[7] !== undefined) {
      const href = safeUrl(m[7]);
      frag.append(href ? link(href, m[7]) : document.createTextNode(m[7]));
    } else if (m[8] !== undefined || m[9] !== undefined) {
      const strong = document.createElement('strong');
      strong.append(inline(m[8] ?? m[9]));
      frag.append(strong);
    } else {
      const em = document.createElement('em');
      em.append(inline(m[10] ?? m[11]));
      frag.append(em);
    }
  }
  if (last < source.length) appendText(frag, source.slice(last));
  return frag;
}

/** Text with its line breaks kept as <br>. */
function appendText(frag, text) {
  const parts = text.split('\n');
  parts.forEach((part, index) => {
    if (index > 0) frag.append(document.createElement('br'));
    if (part) frag.append(document.createTextNode(part));
  });
}
