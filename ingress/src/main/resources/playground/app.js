// The playground: submit a deliberation and watch it happen; reopen past jobs; run batches.
import { ApiError, apiKey, blob, call, followEvents, setApiKey } from './api.js';
import { renderMarkdown } from './markdown.js';
import { el, PanelCards, renderAnalysis, renderTotals } from './views.js';

const MAX_PANEL = 8;
const $ = (id) => document.getElementById(id);

const state = {
  presets: new Map(), // preset model ID -> {panel, judge, synthesizer}
  panel: [],
  run: null, // {jobId, controller}
  historyAfter: null,
  batchTimer: null,
};

// ---- notices and errors ----

function notify(message, kind = 'error') {
  const box = $('notice');
  box.replaceChildren(el('p', { text: message }));
  box.dataset.kind = kind;
  box.hidden = false;
}

function clearNotice() {
  $('notice').hidden = true;
}

/** A failed call, said plainly; a refused or missing key sends the user to the key field. */
function reportError(error, what) {
  if (error instanceof ApiError && error.unauthorized) {
    notify(apiKey()
      ? 'The server refused this API key (invalid_api_key). Check the key and enter it again above.'
      : 'This server needs an API key. Enter it above, then try again.');
    $('key-state').textContent = apiKey() ? 'Key refused.' : 'No key entered.';
    $('api-key').focus();
    return;
  }
  const detail = error instanceof ApiError
    ? `${error.message}${error.code ? ` (${error.code}${error.param ? `, ${error.param}` : ''})` : ''}`
    : String(error?.message || error);
  notify(`${what}: ${detail}`);
}

// ---- API key ----

function showKeyState() {
  $('key-state').textContent = apiKey() ? 'A key is set for this tab.' : 'No key set.';
}

$('key-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('api-key').value.trim();
  setApiKey(key);
  $('api-key').value = '';
  clearNotice();
  showKeyState();
  await loadModels();
});

$('key-forget').addEventListener('click', () => {
  setApiKey('');
  $('api-key').value = '';
  showKeyState();
});

// ---- models, presets and the panel picker ----

async function loadModels() {
  let list;
  try {
    list = await call('/v1/models');
  } catch (e) {
    reportError(e, 'Could not load the models');
    return false;
  }
  const options = $('model-options');
  const presetSelect = $('preset');
  const chosen = presetSelect.value;
  options.replaceChildren();
  presetSelect.replaceChildren();
  state.presets.clear();
  for (const m of list.data || []) {
    if (m.fusion) {
      // One entry per preset (fusion is the quality preset under another name; aliases are left out).
      if (m.id === 'fusion' || m.id === 'openrouter/fusion') continue;
      state.presets.set(m.id, m.fusion);
      presetSelect.append(el('option', { value: m.id, text: m.fusion.preset }));
    } else {
      options.append(el('option', { value: m.id }));
    }
  }
  if (chosen && state.presets.has(chosen)) presetSelect.value = chosen;
  if (state.panel.length === 0) applyPreset();
  return true;
}

function applyPreset() {
  const preset = state.presets.get($('preset').value);
  if (!preset) return;
  state.panel = [...preset.panel];
  $('judge').value = preset.judge;
  $('synthesizer').value = preset.synthesizer;
  renderPanelPicker();
}

$('preset').addEventListener('change', applyPreset);

function renderPanelPicker() {
  const list = $('panel-models');
  list.replaceChildren(...state.panel.map((model, i) => el('li', { className: 'chip' },
    el('code', { text: model }),
    removeButton(model, i))));
  const full = state.panel.length >= MAX_PANEL;
  $('panel-add').disabled = full;
  $('panel-add-button').disabled = full;
}

function removeButton(model, index) {
  const b = el('button', { type: 'button', className: 'chip-remove', 'aria-label': `Remove ${model} from the panel`, text: '×' });
  b.addEventListener('click', () => {
    state.panel.splice(index, 1);
    renderPanelPicker();
    $('panel-add').focus();
  });
  return b;
}

function addPanelModel() {
  const input = $('panel-add');
  const model = input.value.trim();
  if (!model) return;
  if (state.panel.includes(model)) {
    notify(`${model} is already on the panel: each model sits on it once.`, 'info');
    return;
  }
  if (state.panel.length >= MAX_PANEL) return;
  state.panel.push(model);
  input.value = '';
  renderPanelPicker();
  input.focus();
}

$('panel-add-button').addEventListener('click', addPanelModel);
$('panel-add').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    addPanelModel();
  }
});

// ---- submitting ----

function jobBody() {
  const body = { messages: [{ role: 'user', content: $('prompt').value }] };
  const preset = $('preset').value;
  if (preset) body.preset = preset;
  if (state.panel.length) body.analysis_models = [...state.panel];
  const judge = $('judge').value.trim();
  const synthesizer = $('synthesizer').value.trim();
  if (judge) body.model = judge;
  if (synthesizer) body.synthesizer = synthesizer;
  const temperature = $('temperature').value;
  if (temperature !== '') body.temperature = Number(temperature);
  const toolCalls = $('max-tool-calls').value;
  if (toolCalls !== '') body.max_tool_calls = Number(toolCalls);
  const webTools = $('web-tools').value;
  if (webTools) body.web_tools = webTools;
  return body;
}

$('ask').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!$('prompt').value.trim()) {
    notify('Write a prompt first.', 'info');
    $('prompt').focus();
    return;
  }
  clearNotice();
  const button = $('submit');
  button.disabled = true;
  $('submit-state').textContent = 'Submitting…';
  try {
    const job = await call('/v1/jobs', { method: 'POST', json: jobBody() });
    $('submit-state').textContent = '';
    openJob(job.id);
  } catch (err) {
    $('submit-state').textContent = '';
    reportError(err, 'The job was not accepted');
  } finally {
    button.disabled = false;
  }
});

$('prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    $('ask').requestSubmit();
  }
});

// ---- the live view of one job ----

const cards = new PanelCards($('panel'));

function setStatus(text, kind) {
  const badge = $('job-status');
  badge.textContent = text;
  badge.className = `badge ${kind || text}`;
}

/** Shows a job: replays its events from the start, follows live ones, then fills in the result. */
async function openJob(jobId) {
  state.run?.controller.abort();
  const controller = new AbortController();
  const run = { jobId, controller, answer: '', answerFrame: 0, judge: null };
  state.run = run;
  showView('run');
  $('run').hidden = false;
  $('job-id').textContent = jobId;
  $('job-json').href = `/v1/jobs/${encodeURIComponent(jobId)}`;
  $('rejudge').hidden = true;
  setStatus('queued');
  cards.clear();
  $('analysis').replaceChildren(el('p', { className: 'muted', text: 'Waiting for the panel…' }));
  $('answer').replaceChildren(el('p', { className: 'muted', text: 'Not written yet.' }));
  $('answer').setAttribute('aria-busy', 'true');
  $('totals').replaceChildren(el('p', { className: 'muted', text: 'When the job is done.' }));
  $('run-title').scrollIntoView({ block: 'start', behavior: 'smooth' });
  try {
    await followEvents(jobId, (type, data) => onEvent(run, type, data), controller.signal);
    if (controller.signal.aborted) return;
    const job = await call(`/v1/jobs/${encodeURIComponent(jobId)}`);
    if (state.run === run) showResult(run, job);
  } catch (err) {
    if (state.run === run && err.name !== 'AbortError') {
      setStatus('error', 'failed');
      reportError(err, 'Could not follow the job');
    }
  }
}

function onEvent(run, type, d) {
  if (state.run !== run) return;
  switch (type) {
    case 'response.queued':
      setStatus('queued');
      break;
    case 'response.fusion_call.panel.added':
      setStatus('running');
      cards.card(d.panel_index, d.model);
      break;
    case 'response.fusion_call.panel.tool_call':
      cards.toolStep(d.panel_index, d.model, d);
      break;
    case 'response.fusion_call.panel.completed':
      cards.answered(d.panel_index, d.model, d.content, d.latency_ms, d.sources);
      break;
    case 'response.fusion_call.panel.failed':
      cards.failed(d.panel_index, d.model, d.reason, d.status_code, d.error, d.sources);
      break;
    case 'response.fusion_call.analysis.in_progress':
      run.judge = d.judge_model || d.model;
      $('analysis').replaceChildren(el('p', { className: 'working-text' }, 'The judge ', el('code', { text: run.judge }),
        ` is comparing ${d.responses ?? ''} of ${d.asked ?? ''} answers…`));
      break;
    case 'response.fusion_call.analysis.tool_call':
      $('analysis').append(el('p', { className: 'muted small', text: d.tool === 'web_search' ? `Judge searched “${d.query ?? ''}”` : `Judge fetched ${d.url ?? ''}` }));
      break;
    case 'response.fusion_call.analysis.completed':
      renderAnalysis($('analysis'), d.analysis || {}, cards.models(), d.model || run.judge);
      break;
    case 'response.fusion_call.analysis.failed':
      $('analysis').replaceChildren(el('p', { className: 'failure' }, 'The judge failed: ', el('code', { className: 'reason', text: d.reason || 'unknown' }),
        '. The synthesizer answers from the panel\'s answers directly.'));
      break;
    case 'response.fusion_call.completed':
      if (d.status === 'failed') {
        $('analysis').replaceChildren(el('p', { className: 'failure' }, 'No judge ran: ', el('code', { className: 'reason', text: d.failure_reason || 'failed' })));
      }
      break;
    case 'response.output_text.delta':
      run.answer += d.delta || '';
      scheduleAnswer(run);
      break;
    case 'response.completed':
      setStatus('completed');
      break;
    case 'response.failed':
      setStatus('failed');
      break;
    case 'response.cancelled':
      setStatus('cancelled');
      break;
    default:
      break;
  }
}

/** Renders the streamed answer at most once a frame (deltas can come faster than that). */
function scheduleAnswer(run) {
  if (run.answerFrame) return;
  run.answerFrame = requestAnimationFrame(() => {
    run.answerFrame = 0;
    if (state.run === run) $('answer').replaceChildren(renderMarkdown(run.answer));
  });
}

/** A finished job's result: what the events did not carry (usage, cost, totals), and anything they missed. */
function showResult(run, job) {
  const result = job.result;
  setStatus(job.status);
  $('answer').setAttribute('aria-busy', 'false');
  if (!result) return;
  const failed = new Map((result.failed_models || []).map((f) => [f.model, f]));
  const byModel = result.usage?.by_model || {};
  const panel = result.job?.analysis_models || [...(result.responses || []).map((r) => r.model), ...failed.keys()];
  panel.forEach((model, index) => {
    const response = (result.responses || []).find((r) => r.model === model);
    const existing = [...cards.cards.values()].find((c) => c.model === model);
    const i = existing ? existing.index : index;
    if (response && (!existing || existing.node.dataset.state !== 'answered')) {
      cards.answered(i, model, response.content, response.latency_ms, response.sources);
    } else if (failed.has(model) && (!existing || existing.node.dataset.state !== 'failed')) {
      const f = failed.get(model);
      cards.failed(i, model, f.reason, f.status, f.error);
    }
    cards.usage(model, response?.usage || byModel[model]);
  });
  if (result.analysis) {
    renderAnalysis($('analysis'), result.analysis, cards.models(), result.judge?.model || run.judge);
  } else if (result.failure_reason) {
    $('analysis').replaceChildren(el('p', { className: 'failure' }, 'No analysis: ', el('code', { className: 'reason', text: result.failure_reason }),
      result.error ? ` — ${result.error}` : ''));
  }
  if (result.answer !== undefined && result.answer !== null) {
    $('answer').replaceChildren(renderMarkdown(result.answer));
  } else {
    $('answer').replaceChildren(el('p', { className: 'failure', text: 'No final answer.' }));
  }
  renderTotals($('totals'), result);
  if ((result.responses || []).length) {
    $('rejudge-model').value = result.judge?.model || '';
    $('rejudge-synthesizer').value = result.model || '';
    $('rejudge').hidden = false;
  }
}

$('job-json').addEventListener('click', async (e) => {
  if (!apiKey()) return; // a plain link works without a key
  e.preventDefault();
  try {
    const json = await call($('job-json').getAttribute('href'));
    const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' }));
    window.open(url, '_blank', 'noopener');
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    reportError(err, 'Could not read the job');
  }
});

$('rejudge').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = {};
  const model = $('rejudge-model').value.trim();
  const synthesizer = $('rejudge-synthesizer').value.trim();
  if (model) body.model = model;
  if (synthesizer) body.synthesizer = synthesizer;
  try {
    const job = await call(`/v1/jobs/${encodeURIComponent(state.run.jobId)}/rejudge`, { method: 'POST', json: body });
    openJob(job.id);
  } catch (err) {
    reportError(err, 'The rejudge was not accepted');
  }
});

// ---- history ----

async function loadHistory(more = false) {
  const query = new URLSearchParams({ limit: '20' });
  if (more && state.historyAfter) query.set('after', state.historyAfter);
  try {
    const page = await call(`/v1/jobs?${query}`);
    const body = $('history').tBodies[0];
    if (!more) body.replaceChildren();
    for (const job of page.data || []) {
      const open = el('button', { type: 'button', className: 'secondary', text: 'Open', 'aria-label': `Open job ${job.id}` });
      open.addEventListener('click', () => openJob(job.id));
      body.append(el('tr', {},
        el('td', {}, el('code', { text: job.id }), job.rejudge_of ? el('span', { className: 'muted small', text: ` rejudge of ${job.rejudge_of}` }) : null),
        el('td', {}, el('span', { className: `badge ${job.status}`, text: job.status })),
        el('td', { text: new Date(job.created_at * 1000).toLocaleString() }),
        el('td', {}, open)));
    }
    if (!more && !(page.data || []).length) {
      body.append(el('tr', {}, el('td', { colspan: 4, className: 'muted', text: 'No jobs yet.' })));
    }
    state.historyAfter = page.last_id;
    $('history-more').hidden = !page.has_more;
  } catch (err) {
    reportError(err, 'Could not load your jobs');
  }
}

$('history-refresh').addEventListener('click', () => loadHistory());
$('history-more').addEventListener('click', () => loadHistory(true));

// ---- batches ----

function batchQuery() {
  const q = [];
  if (state.panel.length) q.push(`analysis_models=${state.panel.map(encodeURIComponent).join(',')}`);
  const judge = $('judge').value.trim();
  const synthesizer = $('synthesizer').value.trim();
  if (judge) q.push(`model=${encodeURIComponent(judge)}`);
  if (synthesizer) q.push(`synthesizer=${encodeURIComponent(synthesizer)}`);
  return q.length ? `?${q.join('&')}` : '';
}

$('batch-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = $('batch-file').files[0];
  if (!file) {
    notify('Choose a JSONL file first.', 'info');
    $('batch-file').focus();
    return;
  }
  clearNotice();
  $('batch-state').textContent = `Uploading ${file.name}…`;
  try {
    const batch = await call(`/v1/batches${batchQuery()}`, { method: 'POST', body: file, contentType: 'application/jsonl' });
    $('batch-state').textContent = `Batch ${batch.id}: ${batch.request_counts?.total ?? 0} requests accepted`
      + (batch.invalid_lines ? `, ${batch.invalid_lines} invalid lines.` : '.');
    await loadBatches();
  } catch (err) {
    $('batch-state').textContent = '';
    reportError(err, 'The batch was not accepted');
  }
});

async function loadBatches() {
  clearTimeout(state.batchTimer);
  try {
    const page = await call('/v1/batches?limit=20');
    const body = $('batches').tBodies[0];
    body.replaceChildren();
    let running = false;
    for (const b of page.data || []) {
      const counts = b.request_counts || {};
      const done = (counts.completed || 0) + (counts.failed || 0);
      const total = counts.total || 0;
      const terminal = ['completed', 'failed', 'cancelled', 'expired'].includes(b.status);
      running ||= !terminal;
      const progress = el('progress', { max: Math.max(total, 1), value: done, 'aria-label': `Progress of ${b.id}` });
      const download = el('button', { type: 'button', className: 'secondary', text: 'Download results', 'aria-label': `Download the results of ${b.id}` });
      download.addEventListener('click', () => downloadResults(b.id));
      body.append(el('tr', {},
        el('td', {}, el('code', { text: b.id })),
        el('td', {}, el('span', { className: `badge ${b.status}`, text: b.status })),
        el('td', { className: 'progress-cell' }, progress, el('span', { className: 'small', text: ` ${done} of ${total}${counts.failed ? ` (${counts.failed} failed)` : ''}` })),
        el('td', {}, download)));
    }
    if (!(page.data || []).length) body.append(el('tr', {}, el('td', { colspan: 4, className: 'muted', text: 'No batches yet.' })));
    if (running && !$('view-batches').hidden) state.batchTimer = setTimeout(loadBatches, 2000);
  } catch (err) {
    reportError(err, 'Could not load your batches');
  }
}

async function downloadResults(batchId) {
  try {
    const data = await blob(`/v1/batches/${encodeURIComponent(batchId)}/results`);
    const url = URL.createObjectURL(data);
    const a = el('a', { href: url, download: `${batchId}-results.jsonl` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (err) {
    reportError(err, 'Could not download the results');
  }
}

// ---- views (tabs) ----

function showView(name) {
  for (const view of ['run', 'history', 'batches']) {
    $(`view-${view}`).hidden = view !== name;
    const tab = $(`tab-${view}`);
    if (view === name) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  if (name === 'history') loadHistory();
  if (name === 'batches') loadBatches();
}

for (const view of ['run', 'history', 'batches']) {
  $(`tab-${view}`).addEventListener('click', () => showView(view));
}

// ---- start ----

showKeyState();
loadModels();
