// Rendering: every value from the server or a model goes into text nodes (or through renderMarkdown,
// which builds nodes the same way); nothing here parses HTML.
import { link, renderMarkdown, safeUrl } from './markdown.js';

/** An element with a class, text or attributes, and children (nodes or strings). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export function formatMs(ms) {
  if (ms === undefined || ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
}

export function formatCost(usd) {
  if (usd === undefined || usd === null) return '—';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(4)}`;
}

export function formatBytes(n) {
  if (n === undefined || n === null) return '';
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1048576).toFixed(1)} MB`;
}

function tokens(usage) {
  if (!usage) return '—';
  const out = `${usage.prompt_tokens ?? 0} in · ${usage.completion_tokens ?? 0} out`;
  return usage.reasoning_tokens ? `${out} (${usage.reasoning_tokens} reasoning)` : out;
}

/** One line of a web tool step: what was searched or fetched, and how it went. */
export function toolStepItem(step) {
  const li = el('li', { className: 'step' });
  if (step.tool === 'web_search') {
    li.append(el('span', { className: 'step-kind', text: 'Search' }), ' ',
      el('q', { text: step.query ?? '' }));
    if (step.result_count !== undefined && step.result_count !== null) {
      li.append(` — ${step.result_count} result${step.result_count === 1 ? '' : 's'}`);
    }
  } else {
    const href = safeUrl(step.url ?? '');
    li.append(el('span', { className: 'step-kind', text: 'Fetch' }), ' ',
      href ? link(href, step.url) : el('span', { className: 'url', text: step.url ?? '' }));
    const facts = [step.status ? `HTTP ${step.status}` : null, formatBytes(step.bytes)].filter(Boolean);
    if (facts.length) li.append(` — ${facts.join(', ')}`);
  }
  if (step.duration_ms !== undefined) li.append(el('span', { className: 'muted', text: ` (${formatMs(step.duration_ms)})` }));
  if (step.error) li.append(el('span', { className: 'error-text', text: ` failed: ${step.error}` }));
  return li;
}

/** The panel's cards, one per panel model, in panel order; safe to fill from events and the result alike. */
export class PanelCards {
  constructor(container) {
    this.container = container;
    this.cards = new Map();
  }

  clear() {
    this.cards.clear();
    this.container.replaceChildren();
  }

  /** The models of the panel, in panel order. */
  models() {
    return [...this.cards.values()].sort((a, b) => a.index - b.index).map((c) => c.model);
  }

  card(index, model) {
    let card = this.cards.get(index);
    if (card) return card;
    const id = `card-${index}`;
    const badge = el('span', { className: 'badge working', text: 'working' });
    const node = el('article', { className: 'card', 'data-state': 'working', 'data-model': model, 'aria-labelledby': id },
      el('header', { className: 'card-head' }, el('h4', { id }, el('code', { text: model })), badge));
    const steps = el('ol', { className: 'steps', 'aria-label': `Web tool steps of ${model}` });
    const body = el('div', { className: 'card-body markdown' }, el('p', { className: 'muted working-text', text: 'Answering…' }));
    const meta = el('p', { className: 'meta small' });
    node.append(steps, body, meta);
    card = { index, model, node, badge, steps, body, meta, stepKeys: new Set(), latency: null, usage: null };
    this.cards.set(index, card);
    const after = [...this.cards.values()].filter((c) => c.index > index).sort((a, b) => a.index - b.index)[0];
    this.container.insertBefore(node, after ? after.node : null);
    return card;
  }

  toolStep(index, model, step) {
    const card = this.card(index, model);
    const key = step.call_id ?? `${step.step}:${step.tool}:${step.query ?? step.url}`;
    if (card.stepKeys.has(key)) return;
    card.stepKeys.add(key);
    card.steps.append(toolStepItem(step));
  }

  answered(index, model, content, latencyMs, sources) {
    const card = this.card(index, model);
    for (const s of sources || []) this.toolStep(index, model, s);
    this.state(card, 'answered', 'answered');
    card.body.replaceChildren(renderMarkdown(content));
    if (latencyMs !== undefined && latencyMs !== null) card.latency = latencyMs;
    this.meta(card);
  }

  failed(index, model, reason, statusCode, error, sources) {
    const card = this.card(index, model);
    for (const s of sources || []) this.toolStep(index, model, s);
    this.state(card, 'failed', 'failed');
    const why = el('p', { className: 'failure' }, 'Failed: ', el('code', { className: 'reason', text: reason || 'unknown' }),
      statusCode ? ` (HTTP ${statusCode})` : '');
    card.body.replaceChildren(why);
    if (error) card.body.append(el('p', { className: 'muted small error-detail', text: error }));
    this.meta(card);
  }

  usage(model, usage) {
    for (const card of this.cards.values()) {
      if (card.model === model) {
        card.usage = usage;
        this.meta(card);
      }
    }
  }

  state(card, state, label) {
    card.node.dataset.state = state;
    card.badge.className = `badge ${state}`;
    card.badge.textContent = label;
  }

  meta(card) {
    const parts = [];
    if (card.latency !== null) parts.push(formatMs(card.latency));
    if (card.usage) parts.push(`${tokens(card.usage)} tokens`, formatCost(card.usage.cost_usd));
    card.meta.textContent = parts.join(' · ');
  }
}

function section(title, ...content) {
  return el('section', { className: 'analysis-section' }, el('h4', { text: title }), ...content);
}

function bullets(items) {
  return items.length ? el('ul', {}, ...items.map((t) => el('li', {}, renderInline(t))))
    : el('p', { className: 'muted', text: 'None.' });
}

function renderInline(text) {
  // One paragraph of Markdown, without the paragraph around it.
  const frag = renderMarkdown(text);
  return frag.childElementCount === 1 && frag.firstElementChild.tagName === 'P'
    ? [...frag.firstElementChild.childNodes].reduce((f, n) => { f.append(n); return f; }, document.createDocumentFragment())
    : frag;
}

/** A table with one column per model: a row per topic or point. */
function modelTable(caption, firstHeader, models, rows) {
  const table = el('table', { className: 'table' }, el('caption', { text: caption }));
  const head = el('tr', {}, el('th', { scope: 'col', text: firstHeader }), ...models.map((m) => el('th', { scope: 'col' }, el('code', { text: m }))));
  table.append(el('thead', {}, head));
  const body = el('tbody');
  for (const row of rows) {
    body.append(el('tr', {}, el('th', { scope: 'row' }, renderInline(row.label)), ...models.map((m) => row.cell(m))));
  }
  table.append(body);
  return el('div', { className: 'table-wrap' }, table);
}

/** Every model the analysis names, panel order first. */
function analysisModels(analysis, panel) {
  const names = new Set(panel);
  for (const c of analysis.contradictions || []) for (const s of c.stances || []) names.add(s.model);
  for (const p of analysis.partial_coverage || []) for (const m of p.models || []) names.add(m);
  for (const u of analysis.unique_insights || []) names.add(u.model);
  return [...names].filter(Boolean);
}

/** The judge's analysis as sections: coverage, consensus, contradictions, partial coverage, insights, blind spots. */
export function renderAnalysis(container, analysis, panel, judge) {
  const models = analysisModels(analysis, panel);
  const nodes = [];
  const asked = analysis.asked ?? panel.length;
  const answered = analysis.answered ?? null;
  if (answered !== null) {
    nodes.push(el('p', { className: 'coverage' }, el('strong', { text: `${answered} of ${asked} answered` }),
      judge ? el('span', { className: 'muted' }, ' · judged by ', el('code', { text: judge })) : null));
  }
  nodes.push(section('Consensus', bullets(analysis.consensus || [])));
  const contradictions = analysis.contradictions || [];
  nodes.push(section('Contradictions', contradictions.length
    ? modelTable('Where the models disagree: each model\'s stance per topic', 'Topic', models, contradictions.map((c) => ({
      label: c.topic,
      cell: (m) => {
        const stance = (c.stances || []).find((s) => s.model === m);
        return stance ? el('td', {}, renderInline(stance.stance)) : el('td', { className: 'muted', text: '—' });
      },
    })))
    : el('p', { className: 'muted', text: 'None.' })));
  const partial = analysis.partial_coverage || [];
  nodes.push(section('Partial coverage', partial.length
    ? modelTable('Points only some models covered', 'Point', models, partial.map((p) => ({
      label: p.point,
      cell: (m) => (p.models || []).includes(m)
        ? el('td', { className: 'covered' }, el('span', { 'aria-hidden': 'true', text: '✓ ' }), 'covered')
        : el('td', { className: 'muted' }, el('span', { 'aria-hidden': 'true', text: '—' }), el('span', { className: 'visually-hidden', text: 'not covered' })),
    })))
    : el('p', { className: 'muted', text: 'None.' })));
  const insights = analysis.unique_insights || [];
  nodes.push(section('Unique insights', insights.length
    ? el('dl', { className: 'insights' }, ...insights.flatMap((u) => [el('dt', {}, el('code', { text: u.model })), el('dd', {}, renderInline(u.insight))]))
    : el('p', { className: 'muted', text: 'None.' })));
  nodes.push(section('Blind spots', bullets(analysis.blind_spots || [])));
  container.replaceChildren(...nodes);
}

const STAGES = ['router', 'panel', 'judge', 'synthesizer'];

/** Tokens, cost and time per stage and overall, from a finished job's result. */
export function renderTotals(container, result) {
  const usage = result.usage || {};
  const byStage = usage.by_stage || {};
  const timings = result.timings_ms || {};
  const rows = STAGES.filter((s) => byStage[s] || timings[s] !== undefined).map((s) => ({ name: s, usage: byStage[s], ms: timings[s] }));
  rows.push({ name: 'total', usage: usage.total, ms: timings.total });
  const table = el('table', { className: 'table totals' }, el('caption', { className: 'visually-hidden', text: 'Tokens, cost and time per stage' }),
    el('thead', {}, el('tr', {}, ...['Stage', 'Tokens in', 'Tokens out', 'Cost', 'Time'].map((h) => el('th', { scope: 'col', text: h })))));
  const body = el('tbody');
  for (const r of rows) {
    body.append(el('tr', { className: r.name === 'total' ? 'total-row' : null },
      el('th', { scope: 'row', text: r.name }),
      el('td', { text: String(r.usage?.prompt_tokens ?? '—') }),
      el('td', { text: String(r.usage?.completion_tokens ?? '—') }),
      el('td', { text: formatCost(r.usage?.cost_usd) }),
      el('td', { text: formatMs(r.ms) })));
  }
  table.append(body);
  container.replaceChildren(el('div', { className: 'table-wrap' }, table));
}
