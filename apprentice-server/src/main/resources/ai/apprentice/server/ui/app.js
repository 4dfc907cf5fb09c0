// apprentice web UI. Every page is server-rendered HTML; this script fills it from the JSON API under /api (with the
// session cookie) and streams runs with EventSource. Data from the server is attacker-controlled (task text, tool
// output): the DOM is built with textContent and attributes only, never with innerHTML.
'use strict';
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);

  /** el('div', {class: 'x', text: 'y', onclick: fn}, child, 'text', ...) */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (v === true) e.setAttribute(k, '');
      else e.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  async function api(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: { 'Accept': 'application/json', 'X-Apprentice-UI': '1' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    if (res.status === 401) {
      location.href = '/login';
      throw new Error('Your session has ended; sign in again.');
    }
    const type = res.headers.get('Content-Type') || '';
    const data = type.includes('json') ? await res.json() : null;
    if (!res.ok) {
      const err = new Error(data && data.error ? data.error.message : res.status + ' ' + res.statusText);
      err.status = res.status;
      throw err;
    }
    return data;
  }

  function showError(e) {
    const a = $('#alert');
    if (!a) return;
    a.textContent = e && e.message ? e.message : String(e);
    a.hidden = false;
  }

  function clearError() {
    const a = $('#alert');
    if (a) { a.hidden = true; a.textContent = ''; }
  }

  const money = v => (typeof v === 'number' ? '$' + v.toFixed(4) : '');
  const when = s => { if (!s) return ''; const d = new Date(s); return isNaN(d) ? String(s) : d.toLocaleString(); };
  const statusEl = s => el('span', { class: 'status status-' + String(s).replace(/[^a-z_]/g, ''), text: s });
  const runLink = (id, text) => el('a', { href: '/runs/' + encodeURIComponent(id), text: text || id });

  function rewardText(r) {
    return r && typeof r.value === 'number' ? r.value.toFixed(2) + (r.source ? ' (' + r.source + ')' : '') : '';
  }

  function feedbackText(f) {
    if (!f) return '';
    let t = '👍 ' + f.good + ' 👎 ' + f.bad;
    if (typeof f.mean_score === 'number') t += ' · score ' + f.mean_score.toFixed(2);
    return t;
  }

  function pretty(json) {
    try { return JSON.stringify(JSON.parse(json), null, 2); } catch (e) { return String(json); }
  }

  /** Long text collapsed behind a summary the keyboard can open. */
  function block(text, cls, label) {
    const pre = el('pre', { class: cls || null, text: text });
    const lines = String(text).split('\n').length;
    if (String(text).length <= 1500 && lines <= 25) return pre;
    return el('details', {}, el('summary', { text: (label || 'Show') + ' (' + lines + ' lines, ' + String(text).length + ' characters)' }), pre);
  }

  /** A diff-like block: lines of old text marked -, of new text marked +. */
  function diffBlock(oldText, newText) {
    const pre = el('pre', { class: 'diff' });
    if (oldText !== null && oldText !== undefined) {
      for (const line of String(oldText).split('\n')) pre.append(el('span', { class: 'del', text: '- ' + line }));
    }
    for (const line of String(newText === undefined || newText === null ? '' : newText).split('\n')) pre.append(el('span', { class: 'add', text: '+ ' + line }));
    return pre;
  }

  function patchBlock(patch) {
    const pre = el('pre', { class: 'diff' });
    for (const line of String(patch).split('\n')) {
      const cls = line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : null;
      pre.append(cls ? el('span', { class: cls, text: line }) : document.createTextNode(line + '\n'));
    }
    return pre;
  }

  function toolArguments(name, raw) {
    let args = null;
    try { args = JSON.parse(raw); } catch (e) { /* shown raw */ }
    if (args && typeof args === 'object') {
      if (name === 'write_file' && typeof args.content === 'string') {
        return el('div', {}, el('div', { class: 'ev-head' }, 'writes ', el('code', { text: String(args.path) })), diffBlock(null, args.content));
      }
      if (name === 'edit_file' && typeof args.patch === 'string') {
        return el('div', {}, el('div', { class: 'ev-head' }, 'patches ', el('code', { text: String(args.path) })), patchBlock(args.patch));
      }
      if (name === 'edit_file' && (typeof args.old_string === 'string' || typeof args.new_string === 'string')) {
        return el('div', {}, el('div', { class: 'ev-head' }, 'edits ', el('code', { text: String(args.path) }), args.replace_all ? ' (every occurrence)' : ''),
          diffBlock(args.old_string || '', args.new_string || ''));
      }
    }
    return block(pretty(raw), 'args', 'Show arguments');
  }

  // ---- a run's events, streamed ----

  const EVENT_TYPES = ['run_started', 'model_delta', 'model_retry', 'tool_call', 'tool_result', 'permission', 'usage', 'step_completed',
    'error', 'run_resumed', 'context_compacted', 'memory_recalled', 'memory_updated', 'run_finished', 'reward', 'feedback',
    'approval_requested', 'approval_answered', 'stream_end'];

  /**
   * Streams run `runId` into `box` (events) and `approvalBox` (pending approvals, with Allow and Deny), calling
   * `hooks.usage(event)` and `hooks.finished(event)` as they come.
   */
  function RunView(runId, box, approvalBox, hooks) {
    hooks = hooks || {};
    const steps = new Map();
    const calls = new Map();
    const cards = new Map();
    let finished = false;
    let source = null;
    let poll = null;

    function step(n) {
      if (!n) return null;
      let s = steps.get(n);
      if (!s) {
        const text = el('div', { class: 'ev-text' });
        const node = el('div', { class: 'ev step', 'data-step': n }, el('div', { class: 'ev-head', text: 'Step ' + n }), text);
        box.append(node);
        s = { node, text, streamed: '' };
        steps.set(n, s);
      }
      return s;
    }

    function add(node, n) {
      const s = step(n);
      (s ? s.node : box).append(node);
      return node;
    }

    function note(text, n, cls) {
      return add(el('div', { class: 'ev ' + (cls || 'note'), text }), n);
    }

    const on = {
      run_started(e) {
        note('Started · model ' + e.model + (e.workspace ? ' · workspace ' + e.workspace : ''), 0);
      },
      model_delta(e) {
        const s = step(e.step);
        s.node.setAttribute('data-streamed', 'live');
        if (s.completed) return; // step_completed holds the whole text already
        s.streamed += e.text;
        s.text.textContent = s.streamed;
      },
      model_retry(e) {
        const s = step(e.step);
        if (e.discard_chars > 0) s.streamed = s.streamed.slice(0, Math.max(0, s.streamed.length - e.discard_chars));
        s.text.textContent = s.streamed;
        note('The model call failed (' + e.reason + '); retry ' + e.attempt + ' in ' + e.wait_ms + ' ms', e.step);
      },
      tool_call(e) {
        const c = e.call || {};
        const node = el('div', { class: 'ev tool-call', 'data-call': c.id },
          el('div', { class: 'ev-head' }, 'Tool call ', el('strong', { class: 'tool-name', text: c.name })), toolArguments(c.name, c.arguments));
        calls.set(c.id, node);
        add(node, e.step);
        refreshApprovals();
      },
      permission(e) {
        const text = (e.allowed ? 'Allowed' : 'Denied') + ' by ' + e.decided_by + (e.reason ? ': ' + e.reason : '');
        const node = el('div', { class: 'ev permission ' + (e.allowed ? 'allowed' : 'denied'), text });
        const call = calls.get(e.call_id);
        if (call) call.append(node); else add(node, e.step);
      },
      tool_result(e) {
        const head = 'Result of ' + e.name + ' · ' + e.duration_ms + ' ms' + (e.error ? ' · error' : '');
        add(el('div', { class: 'ev tool-result' + (e.error ? ' failed' : '') }, el('div', { class: 'ev-head', text: head }),
          block(e.content || '', 'result', 'Show result')), e.step);
      },
      usage(e) {
        note('tokens ' + e.input_tokens + ' in, ' + e.output_tokens + ' out · ' + money(e.cost_usd) + ' (run ' + money(e.total_cost_usd) + ')'
          + (e.estimated ? ' · estimated' : ''), e.step, 'usage');
        if (hooks.usage) hooks.usage(e);
      },
      step_completed(e) {
        const s = step(e.step);
        s.completed = true;
        const msg = (e.messages || []).find(m => m.role === 'assistant');
        if (msg && msg.content) { s.streamed = msg.content; s.text.textContent = msg.content; }
        s.text.hidden = !s.text.textContent;
      },
      error(e) { note('Error: ' + e.message, e.step, 'error'); },
      run_resumed(e) { note('Resumed after step ' + e.from_step, 0); },
      context_compacted(e) {
        note('Context compacted: ' + e.tokens_before + ' → ' + e.tokens_after + ' tokens (window ' + e.window + ')', e.step);
      },
      memory_recalled(e) {
        add(el('div', { class: 'ev note' }, el('details', {}, el('summary', { text: 'Recalled ' + (e.memory_ids || []).length + ' memories' }),
          el('pre', { text: (e.texts || []).join('\n\n') }))), e.step);
      },
      memory_updated(e) {
        add(el('div', { class: 'ev note' }, el('details', {}, el('summary', { text: 'Stored ' + (e.memory_ids || []).length + ' memories (batch ' + e.batch + ')' }),
          el('pre', { text: (e.texts || []).join('\n\n') }))), 0);
      },
      run_finished(e) {
        const failed = e.status !== 'succeeded';
        const node = el('div', { class: 'ev finished' + (failed ? ' failed' : ''), id: 'final-' + runId },
          el('div', { class: 'ev-head' }, 'Finished: ', statusEl(e.status), ' (' + e.stop_reason + ') · ' + e.steps + ' steps · '
            + e.input_tokens + ' + ' + e.output_tokens + ' tokens · ' + money(e.cost_usd)),
          e.answer ? el('div', { class: 'ev-text answer', text: e.answer }) : null);
        box.append(node);
        finish();
        if (hooks.finished) hooks.finished(e);
      },
      reward(e) { note('Reward ' + e.value + ' (' + e.source + ')' + (e.explanation ? ': ' + e.explanation : ''), 0); },
      feedback(e) {
        const parts = [];
        if (e.rating) parts.push(e.rating === 'good' ? '👍 good' : '👎 bad');
        if (typeof e.score === 'number') parts.push('score ' + e.score);
        if (e.correction) parts.push('correction: ' + e.correction);
        note('Feedback from ' + (e.author || 'someone') + ': ' + parts.join(' · '), 0);
      },
      approval_requested(e) { card(e); },
      approval_answered(e) {
        const c = cards.get(e.id);
        if (c) { c.remove(); cards.delete(e.id); }
        noteAnswer(e);
        updateApprovalBox();
      },
      stream_end(e) { note('No events: ' + e.reason, 0); finish(); }
    };

    function updateApprovalBox() {
      if (approvalBox) approvalBox.hidden = cards.size === 0;
    }

    // An answer is noted once: from the stream, or from this page's own answer when the stream was not live at the time
    // (answers are live messages, which a stream that (re)connects later does not get again).
    const answeredNotes = new Set();
    function noteAnswer(e) {
      if (answeredNotes.has(e.id)) return;
      answeredNotes.add(e.id);
      note((e.allow ? 'Approved' : 'Denied') + (e.scope ? ' (' + e.scope + ')' : '') + (e.by ? ' by ' + e.by : '') + (e.reason ? ': ' + e.reason : ''), 0, 'note answered');
    }

    function card(p) {
      if (!approvalBox || cards.has(p.id) || finished) return;
      const list = approvalBox.querySelector('.approval-list') || approvalBox;
      const reason = el('input', { type: 'text', id: 'reason-' + p.id, name: 'reason', autocomplete: 'off' });
      const always = el('input', { type: 'checkbox', id: 'always-' + p.id, name: 'always' });
      const status = el('span', { role: 'status' });
      const answer = async allow => {
        for (const b of node.querySelectorAll('button')) b.disabled = true;
        try {
          const body = { allow, scope: always.checked ? 'always' : 'once' };
          if (reason.value.trim()) body.reason = reason.value.trim();
          await api('POST', '/api/approvals/' + encodeURIComponent(p.id), body);
          noteAnswer({ id: p.id, allow, scope: body.scope, reason: body.reason });
          node.remove();
          cards.delete(p.id);
          updateApprovalBox();
        } catch (err) {
          status.textContent = err.message;
          for (const b of node.querySelectorAll('button')) b.disabled = false;
          if (err.status === 404) { node.remove(); cards.delete(p.id); updateApprovalBox(); }
        }
      };
      const node = el('div', { class: 'approval', role: 'group', 'aria-label': 'Approval for ' + p.tool, 'data-approval': p.id },
        el('div', {}, el('strong', { text: p.tool }), p.subject ? ' · ' : '', p.subject ? el('code', { text: p.subject }) : null,
          el('span', { class: 'muted', text: ' · waits until ' + when(p.expires_at) })),
        toolArguments(p.tool, p.arguments),
        el('div', { class: 'actions' },
          el('label', { for: reason.id, text: 'Reason' }), reason,
          always, el('label', { for: always.id, text: 'Always allow this tool here' }),
          el('button', { type: 'button', class: 'allow', onclick: () => answer(true), text: 'Allow' }),
          el('button', { type: 'button', class: 'deny', onclick: () => answer(false), text: 'Deny' }),
          status));
      node.added = performance.now();
      cards.set(p.id, node);
      list.append(node);
      updateApprovalBox();
    }

    async function refreshApprovals() {
      if (!approvalBox || finished) return;
      try {
        const asked = performance.now();
        const data = await api('GET', '/api/approvals?run=' + encodeURIComponent(runId));
        const open = new Set();
        for (const p of data.approvals || []) { open.add(p.id); card(p); }
        // answered or timed out; a card the stream added while this list was on its way stays
        for (const [id, node] of cards) if (!open.has(id) && node.added < asked) { node.remove(); cards.delete(id); }
        updateApprovalBox();
      } catch (e) { /* the stream shows what matters; the next poll tries again */ }
    }

    function finish() {
      finished = true;
      if (source) source.close();
      if (poll) clearInterval(poll);
      for (const node of cards.values()) node.remove();
      cards.clear();
      updateApprovalBox();
    }

    this.start = function () {
      source = new EventSource('/api/runs/' + encodeURIComponent(runId) + '/events');
      for (const type of EVENT_TYPES) {
        source.addEventListener(type, m => {
          let data;
          try { data = JSON.parse(m.data); } catch (err) { return; }
          try { on[type](data); } catch (err) { note('Could not show a ' + type + ' event: ' + err.message, 0, 'error'); }
        });
      }
      source.addEventListener('open', refreshApprovals);
      source.addEventListener('error', () => {
        if (!finished && source.readyState === EventSource.CLOSED) note('The event stream closed; reload to reconnect.', 0, 'error');
      });
      if (approvalBox) poll = setInterval(refreshApprovals, 2000);
    };
    this.finished = () => finished;
  }

  // ---- pages ----

  function runsTable(runs) {
    if (!runs.length) return el('p', { class: 'muted', text: 'No runs yet. Start one above.' });
    const body = el('tbody');
    for (const r of runs) {
      body.append(el('tr', { 'data-run': r.id },
        el('td', { class: 'task' }, runLink(r.id, r.task || r.id)),
        el('td', {}, statusEl(r.status)),
        el('td', { text: r.steps === undefined ? '' : r.steps }),
        el('td', { text: money(r.cost_usd) }),
        el('td', { text: rewardText(r.reward) }),
        el('td', { text: feedbackText(r.feedback), title: r.feedback && r.feedback.last_correction ? r.feedback.last_correction : null }),
        el('td', { text: when(r.started_at || r.accepted_at) })));
    }
    const head = el('tr');
    for (const h of ['Task', 'Status', 'Steps', 'Cost', 'Reward', 'Feedback', 'Started']) head.append(el('th', { scope: 'col', text: h }));
    return el('table', {}, el('thead', {}, head), body);
  }

  async function runsPage() {
    const list = $('#runs-list');
    let timer = null;
    async function load() {
      try {
        const data = await api('GET', '/api/runs?limit=100');
        list.replaceChildren(runsTable(data.runs || []));
        const busy = (data.runs || []).some(r => r.status === 'running' || r.status === 'queued');
        clearTimeout(timer);
        if (busy) timer = setTimeout(load, 3000);
      } catch (e) { showError(e); }
    }
    $('#refresh').addEventListener('click', load);
    $('#new-task').addEventListener('submit', async ev => {
      ev.preventDefault();
      clearError();
      const body = { task: $('#task').value };
      const ws = $('#workspace').value.trim();
      if (ws) body.workspace = ws;
      try {
        const r = await api('POST', '/api/runs', body);
        location.href = '/runs/' + encodeURIComponent(r.id);
      } catch (e) { showError(e); }
    });
    await load();
  }

  async function runPage(id) {
    $('#run-id').textContent = id;
    const summary = $('#run-summary');
    async function loadSummary() {
      try {
        const r = await api('GET', '/api/runs/' + encodeURIComponent(id));
        summary.replaceChildren();
        const row = (k, v) => { if (v !== undefined && v !== null && v !== '') summary.append(el('dt', { text: k }), el('dd', {}, v)); };
        row('Task', el('span', { id: 'run-task', text: r.task }));
        row('Status', statusEl(r.status));
        if (r.stop_reason) row('Stopped', r.stop_reason);
        row('Model', r.model);
        row('Workspace', r.workspace);
        row('Asked by', r.author);
        row('From', r.origin);
        row('Started', when(r.started_at || r.accepted_at));
        row('Steps', r.steps);
        if (r.usage) row('Tokens', r.usage.input_tokens + ' in, ' + r.usage.output_tokens + ' out');
        row('Cost', el('span', { id: 'run-cost', text: money(r.cost_usd) }));
        row('Reward', rewardText(r.reward));
        row('Error', r.error);
        $('#feedback-summary').textContent = r.feedback
          ? feedbackText(r.feedback) + (r.feedback.last_correction ? ' · last correction: ' + r.feedback.last_correction : '')
          : 'No feedback yet.';
      } catch (e) { showError(e); }
    }
    await loadSummary();
    const view = new RunView(id, $('#events'), $('#approvals'), {
      usage: e => { const c = $('#run-cost'); if (c) c.textContent = money(e.total_cost_usd); },
      finished: () => loadSummary()
    });
    view.start();
    $('#feedback').addEventListener('submit', async ev => {
      ev.preventDefault();
      const status = $('#feedback-status');
      status.textContent = '';
      const checked = document.querySelector('input[name=rating]:checked');
      const rating = checked ? checked.value : '';
      const correction = $('#correction').value.trim();
      if (!rating && !correction) { status.textContent = 'Choose a rating or write a correction.'; return; }
      const body = {};
      if (rating) body.rating = rating;
      if (correction) body.correction = correction;
      try {
        await api('POST', '/api/runs/' + encodeURIComponent(id) + '/feedback', body);
        status.textContent = 'Feedback recorded. Thank you.';
        $('#correction').value = '';
        $('#rating-none').checked = true;
        await loadSummary();
      } catch (e) { status.textContent = e.message; }
    });
  }

  async function sessionsPage() {
    const list = $('#sessions-list');
    $('#new-session').addEventListener('submit', async ev => {
      ev.preventDefault();
      clearError();
      const body = {};
      const title = $('#title').value.trim();
      const ws = $('#workspace').value.trim();
      if (title) body.title = title;
      if (ws) body.workspace = ws;
      try {
        const s = await api('POST', '/api/sessions', body);
        location.href = '/sessions/' + encodeURIComponent(s.id);
      } catch (e) { showError(e); }
    });
    try {
      const data = await api('GET', '/api/sessions');
      const sessions = data.sessions || [];
      if (!sessions.length) { list.replaceChildren(el('p', { class: 'muted', text: 'No sessions yet.' })); return; }
      const body = el('tbody');
      for (const s of sessions) {
        body.append(el('tr', {},
          el('td', {}, el('a', { href: '/sessions/' + encodeURIComponent(s.id), text: s.title || s.id })),
          el('td', { text: s.messages }), el('td', { text: s.busy ? 'answering' : '' }),
          el('td', { text: s.workspace }), el('td', { text: when(s.created_at) })));
      }
      const head = el('tr');
      for (const h of ['Session', 'Messages', '', 'Workspace', 'Created']) head.append(el('th', { scope: 'col', text: h }));
      list.replaceChildren(el('table', {}, el('thead', {}, head), body));
    } catch (e) { showError(e); }
  }

  async function chatPage(id) {
    const turns = $('#turns');
    function turn(run, live) {
      const node = el('div', { class: 'turn', 'data-run': run.id },
        el('div', { class: 'user', text: run.task || '' }),
        el('div', { class: 'muted' }, statusEl(run.status || 'queued'), ' · ', runLink(run.id, 'details')));
      turns.append(node);
      if (live) {
        const approvals = el('section', { class: 'approvals', hidden: true }, el('h3', { text: 'Waiting for your approval' }), el('div', { class: 'approval-list' }));
        const events = el('div', { class: 'events' });
        node.append(approvals, el('details', { open: true }, el('summary', { text: 'Activity' }), events));
        new RunView(run.id, events, approvals, {
          finished: e => {
            const s = node.querySelector('.status');
            s.replaceWith(statusEl(e.status));
            if (e.answer) node.append(el('div', { class: 'answer', text: e.answer }));
          }
        }).start();
      } else if (run.answer) {
        node.append(el('div', { class: 'answer', text: run.answer }));
      }
    }
    try {
      const s = await api('GET', '/api/sessions/' + encodeURIComponent(id));
      $('#session-title').textContent = s.title || 'Session ' + s.id;
      for (const r of s.runs || []) turn(r, r.status === 'running' || r.status === 'queued');
    } catch (e) { showError(e); }
    $('#message').addEventListener('submit', async ev => {
      ev.preventDefault();
      clearError();
      const text = $('#text').value;
      try {
        const r = await api('POST', '/api/sessions/' + encodeURIComponent(id) + '/messages', { text });
        $('#text').value = '';
        turn({ id: r.run_id, task: text, status: r.status }, true);
      } catch (e) { showError(e); }
    });
  }

  /** Renders the first list in a JSON answer as a table; `action(row)` may add a button per row. */
  function genericTable(data, action) {
    let rows = Array.isArray(data) ? data : null;
    if (!rows && data && typeof data === 'object') rows = Object.values(data).find(Array.isArray) || null;
    if (!rows || !rows.length) return el('p', { class: 'muted', text: 'Nothing here yet.' });
    const keys = [];
    for (const r of rows) if (r && typeof r === 'object') for (const k of Object.keys(r)) if (!keys.includes(k) && keys.length < 8) keys.push(k);
    const show = v => v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const head = el('tr');
    for (const k of keys) head.append(el('th', { scope: 'col', text: k.replace(/_/g, ' ') }));
    if (action) head.append(el('th', { scope: 'col', text: '' }));
    const body = el('tbody');
    for (const r of rows) {
      const tr = el('tr');
      if (r && typeof r === 'object') for (const k of keys) tr.append(el('td', { class: 'task', text: show(r[k]) }));
      else tr.append(el('td', { text: show(r) }));
      if (action) tr.append(el('td', {}, action(r)));
      body.append(tr);
    }
    return el('table', {}, el('thead', {}, head), body);
  }

  async function fill(box, path, what, action) {
    try {
      box.replaceChildren(genericTable(await api('GET', path), action));
    } catch (e) {
      box.replaceChildren(el('p', { class: 'muted', text: e.status === 404
        ? 'This server does not offer ' + what + ' yet (GET ' + path + ' answered 404).'
        : 'Could not load ' + what + ': ' + e.message }));
    }
  }

  async function memoryPage() {
    const load = async () => {
      await fill($('#memory-list'), '/api/memory', 'the memory browser');
      await fill($('#memory-history'), '/api/memory/history', 'memory history', row => {
        const batch = row && (row.batch || row.batch_id);
        if (!batch || row.undone) return null;
        return el('button', { type: 'button', class: 'small', text: 'Undo', onclick: async () => {
          if (!confirm('Undo memory batch ' + batch + '?')) return;
          try { await api('POST', '/api/memory/undo/' + encodeURIComponent(batch)); await load(); } catch (e) { showError(e); }
        } });
      });
    };
    await load();
  }

  async function skillsPage() {
    await fill($('#skills-list'), '/api/skills', 'a list of skills');
  }

  // ---- triggers: schedules, webhooks and watched folders (served by apprentice serve's triggers) ----

  function triggerWhat(t) {
    if (t.kind === 'schedule') return (t.description || t.cron) + ' (' + t.cron + ', ' + t.zone + ')' + (t.next_fire_at ? ' · next ' + when(t.next_fire_at) : '');
    if (t.kind === 'webhook') {
      return (t.github ? 'GitHub webhook' : 'Webhook') + ' at POST ' + t.path + ' · secret $' + t.secret_env + (t.secret_set ? '' : ' (not set on the server)')
        + (t.github ? ' · mention ' + t.mention : '');
    }
    return 'Files in ' + t.watch;
  }

  async function triggersPage() {
    const list = $('#triggers-list');
    const listStatus = $('#triggers-status');
    const form = $('#trigger-form');
    const status = $('#t-status');
    const kinds = ['schedule', 'webhook', 'watch'];
    const fields = { cron: '#t-cron', tz: '#t-tz', secret_env: '#t-secret', mention: '#t-mention', token_env: '#t-token', api_url: '#t-api', watch: '#t-watch' };
    let editing = null;

    const kind = () => form.querySelector('input[name=kind]:checked').value;
    function showKind() { for (const k of kinds) $('#f-' + k).hidden = k !== kind(); }
    for (const r of form.querySelectorAll('input[name=kind]')) r.addEventListener('change', showKind);

    function stopEditing() {
      editing = null;
      form.reset();
      $('#t-name').readOnly = false;
      $('#t-submit').textContent = 'Add';
      $('#t-cancel').hidden = true;
      $('#trigger-form-h').textContent = 'Add a trigger';
      showKind();
    }

    function edit(t) {
      stopEditing();
      editing = t.name;
      $('#t-name').value = t.name;
      $('#t-name').readOnly = true;
      $('#kind-' + t.kind).checked = true;
      for (const [k, sel] of Object.entries(fields)) $(sel).value = t[k === 'tz' ? 'zone' : k] || '';
      $('#t-missed').value = t.missed || 'run-once';
      $('#t-github').checked = !!t.github;
      $('#t-task').value = t.task;
      $('#t-workspace').value = t.workspace || '';
      $('#t-submit').textContent = 'Save';
      $('#t-cancel').hidden = false;
      $('#trigger-form-h').textContent = 'Edit trigger ' + t.name;
      showKind();
      $('#t-task').focus();
    }

    function body() {
      const b = { task: $('#t-task').value };
      if (!editing) b.name = $('#t-name').value.trim();
      const ws = $('#t-workspace').value.trim();
      if (ws) b.workspace = ws;
      const put = k => { const v = $(fields[k]).value.trim(); if (v) b[k] = v; };
      if (kind() === 'schedule') { put('cron'); put('tz'); b.missed = $('#t-missed').value; if (!b.cron) b.cron = ''; }
      if (kind() === 'webhook') {
        b.webhook = true;
        put('secret_env');
        if ($('#t-github').checked) { b.github = true; put('mention'); put('token_env'); put('api_url'); }
      }
      if (kind() === 'watch') { put('watch'); if (!b.watch) b.watch = ''; }
      return b;
    }

    function table(triggers) {
      if (!triggers.length) return el('p', { class: 'muted', text: 'No triggers yet. Add one below, or with apprentice triggers add.' });
      const rows = el('tbody');
      for (const t of triggers) {
        const last = t.last_fire;
        rows.append(el('tr', { 'data-trigger': t.name },
          el('td', {}, el('strong', { text: t.name })),
          el('td', { class: 'task', text: triggerWhat(t) }),
          el('td', { class: 'task', text: t.task }),
          el('td', { text: t.workspace || '(root)' }),
          el('td', {}, last ? when(last.fired_at) + ' · ' + last.status : 'never', last && last.run_id ? ' · ' : null,
            last && last.run_id ? runLink(last.run_id, 'run') : null),
          el('td', {},
            el('button', { type: 'button', class: 'small', text: 'Fire now', 'aria-label': 'Fire ' + t.name + ' now', onclick: async () => {
              listStatus.replaceChildren();
              try {
                const r = await api('POST', '/api/triggers/' + encodeURIComponent(t.name) + '/fire');
                listStatus.replaceChildren('Started ', runLink(r.run_id), ' for ' + t.name + '.');
                await load();
              } catch (e) { listStatus.textContent = e.message; }
            } }), ' ',
            el('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': 'Edit ' + t.name, onclick: () => edit(t) }), ' ',
            el('button', { type: 'button', class: 'small', text: 'Remove', 'aria-label': 'Remove ' + t.name, onclick: async () => {
              if (!confirm('Remove trigger ' + t.name + '?')) return;
              try {
                await api('DELETE', '/api/triggers/' + encodeURIComponent(t.name));
                listStatus.textContent = 'Removed ' + t.name + '.';
                if (editing === t.name) stopEditing();
                await load();
              } catch (e) { listStatus.textContent = e.message; }
            } }))));
      }
      const head = el('tr');
      for (const h of ['Name', 'Started by', 'Task', 'Workspace', 'Last fire', '']) head.append(el('th', { scope: 'col', text: h }));
      return el('table', {}, el('thead', {}, head), rows);
    }

    async function load() {
      try {
        const data = await api('GET', '/api/triggers');
        list.replaceChildren(table(data.triggers || []));
      } catch (e) {
        list.replaceChildren(el('p', { class: 'muted', text: e.status === 404
          ? 'This server does not run triggers (GET /api/triggers answered 404).' : 'Could not load the triggers: ' + e.message }));
      }
    }

    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      status.textContent = '';
      try {
        const name = editing;
        const t = name ? await api('PUT', '/api/triggers/' + encodeURIComponent(name), body()) : await api('POST', '/api/triggers', body());
        status.textContent = (name ? 'Saved ' : 'Added ') + t.name + (t.path ? ': deliveries go to POST ' + t.path : '') + '.';
        stopEditing();
        await load();
      } catch (e) { status.textContent = e.message; }
    });
    $('#t-cancel').addEventListener('click', () => { stopEditing(); status.textContent = ''; });
    $('#refresh').addEventListener('click', load);
    showKind();
    await load();
  }

  document.addEventListener('DOMContentLoaded', () => {
    const page = document.body.dataset.page;
    const id = document.body.dataset.id;
    const pages = { runs: runsPage, run: () => runPage(id), sessions: sessionsPage, chat: () => chatPage(id), memory: memoryPage, skills: skillsPage, triggers: triggersPage };
    if (pages[page]) pages[page]().catch(showError);
  });
})();
