// The dashboard page: stored runs over the JSON API, the live run over Server-Sent Events
// (/api/live/events). Plain script, no build step; uPlot draws the charts.
"use strict";
const $ = id => document.getElementById(id);
const state = { runs: [], run: null, compare: "", train: [], validation: [], other: null, live: null, checkpointsSeen: -1, plot: null };

async function api(path, options) {
  const response = await fetch(path, options);
  const body = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw new Error(body?.error ?? response.statusText);
  return body;
}

const fmt = (v, digits = 4) => v == null ? "–" : Number(v).toFixed(digits);
const duration = s => s == null ? "–" : s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
const bytes = b => b == null ? "–" : b < 1 << 20 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / (1 << 20)).toFixed(1)} MiB`;

function cell(row, text) { const td = row.insertCell(); td.textContent = text; return td; }

async function loadRuns() {
  state.runs = await api("/api/runs");
  for (const select of [$("run"), $("compare")]) {
    const keep = select.value;
    select.querySelectorAll("option[data-run]").forEach(o => o.remove());
    for (const r of state.runs) {
      const o = new Option(r.id + (r.live ? " (live)" : ""), r.id);
      o.dataset.run = r.id;
      select.add(o);
    }
    if (keep) select.value = keep;
  }
  if (!state.run && state.runs.length > 0) {
    state.run = (state.runs.find(r => r.live) ?? state.runs[0]).id;
    $("run").value = state.run;
    await selectRun();
  }
}

async function history(id) {
  const h = await api(`/api/runs/${encodeURIComponent(id)}/history`);
  return { train: h.train, validation: h.validation };
}

async function selectRun() {
  state.run = $("run").value;
  const h = await history(state.run);
  state.train = h.train; state.validation = h.validation;
  state.checkpointsSeen = -1;
  await Promise.all([loadCheckpoints(), showSettings()]);
  draw();
}

async function selectCompare() {
  state.compare = $("compare").value;
  state.other = state.compare ? await history(state.compare) : null;
  draw();
}

function draw() {
  const tables = [[state.train.map(p => p[0]), state.train.map(p => p[1])], [state.validation.map(p => p[0]), state.validation.map(p => p[1])]];
  const series = [{}, { label: `${state.run} train`, stroke: "#26a", width: 1.5, spanGaps: true }, { label: `${state.run} validation`, stroke: "#d60", width: 2, spanGaps: true, points: { show: true } }];
  if (state.other) {
    tables.push([state.other.train.map(p => p[0]), state.other.train.map(p => p[1])], [state.other.validation.map(p => p[0]), state.other.validation.map(p => p[1])]);
    series.push({ label: `${state.compare} train`, stroke: "#3a3", width: 1.5, dash: [6, 3], spanGaps: true },
      { label: `${state.compare} validation`, stroke: "#a3a", width: 2, dash: [6, 3], spanGaps: true, points: { show: true } });
  }
  const data = tables.some(t => t[0].length > 0) ? uPlot.join(tables) : [[], ...series.slice(1).map(() => [])];
  const el = $("loss");
  el.dataset.points = String(state.train.length);
  el.dataset.series = String(series.length - 1);
  if (state.plot && state.plot.series.length === series.length) {
    state.plot.setData(data, !state.zoomed);
    return;
  }
  state.plot?.destroy();
  state.plot = new uPlot({
    width: Math.max(600, el.clientWidth || 900), height: 320, series,
    scales: { x: { time: false } }, axes: [{ label: "step" }, { label: "loss" }],
    hooks: { setSelect: [u => { state.zoomed = u.select.width > 0; }] },
  }, data, el);
  el.ondblclick = () => { state.zoomed = false; };
}

async function loadCheckpoints() {
  const tbody = $("checkpoints").tBodies[0];
  let list = [];
  try { list = await api(`/api/runs/${encodeURIComponent(state.run)}/checkpoints`); } catch { list = []; }
  tbody.replaceChildren();
  const genStep = $("genStep"); const keep = genStep.value; genStep.replaceChildren(new Option("latest", ""));
  for (const c of list.filter(c => c.available)) {
    const row = tbody.insertRow(); row.dataset.step = c.step;
    const radio = document.createElement("input"); radio.type = "radio"; radio.name = "ckpt"; radio.value = c.step;
    radio.onchange = () => { genStep.value = String(c.step); };
    row.insertCell().append(radio);
    cell(row, c.step); cell(row, new Date(c.createdAt).toLocaleString()); cell(row, bytes(c.rawBytes));
    const links = row.insertCell();
    for (const f of ["raw", "safetensors", "onnx"]) {
      const a = document.createElement("a"); a.textContent = f; a.className = "export-" + f;
      a.href = `/api/runs/${encodeURIComponent(state.run)}/checkpoints/${c.step}/export?format=${f}`;
      links.append(a, " ");
    }
    genStep.add(new Option(`step ${c.step}`, String(c.step)));
  }
  if (keep && [...genStep.options].some(o => o.value === keep)) genStep.value = keep;
  state.checkpointsSeen = list.length;
}

async function showSettings() {
  const run = state.runs.find(r => r.id === state.run);
  const tbody = $("settings").tBodies[0]; tbody.replaceChildren();
  const rows = run?.settings ? Object.entries({ model: run.model, parameters: run.parameters, mode: run.mode, corpus: run.corpus, ...run.settings }) : [["", "not in the store yet"]];
  for (const [k, v] of rows) { const row = tbody.insertRow(); cell(row, k); cell(row, typeof v === "object" ? JSON.stringify(v) : v); }
}

function showLive(feed) {
  state.live = feed;
  const badge = $("state"); badge.textContent = feed.state; badge.className = "badge " + feed.state;
  if (feed.runId && !state.runs.some(r => r.id === feed.runId)) loadRuns();
  if (feed.runId !== state.run) return;
  state.train = merge(state.train, feed.train);
  state.validation = merge(state.validation, feed.validation);
  const p = feed.progress;
  if (p) {
    $("step").textContent = `${p.step} / ${p.targetSteps}`; $("epoch").textContent = fmt(p.epoch, 2);
    $("tps").textContent = Math.round(p.tokensPerSecond).toLocaleString(); $("trainLoss").textContent = fmt(p.trainLoss);
    $("valLoss").textContent = fmt(p.validationLoss); $("eta").textContent = duration(p.etaSeconds);
  }
  showMembers(feed.members); showWorkers(feed.workers); showTimeline(feed.timeline);
  $("events").replaceChildren(...feed.events.slice().reverse().map(e => Object.assign(document.createElement("li"), { textContent: e })));
  if (feed.checkpoints.length !== state.checkpointsSeen) loadCheckpoints();
  draw();
}

// The feed repeats what the history already gave (and the first event sends every point): only newer steps are added.
function merge(mine, live) {
  const last = mine.length ? mine[mine.length - 1][0] : -Infinity;
  return mine.concat(live.filter(p => p.step > last).map(p => [p.step, p.loss]));
}

function showMembers(members) {
  const tbody = $("members").tBodies[0]; tbody.replaceChildren();
  for (const m of members) {
    const row = tbody.insertRow(); row.className = m.reachable ? "" : "unreachable";
    cell(row, m.address + (m.self ? " (this node)" : "")); cell(row, m.roles.join(", ")); cell(row, m.status);
    cell(row, m.reachable ? "yes" : "no"); cell(row, m.upSince ? duration((Date.now() - Date.parse(m.upSince)) / 1000) : "–");
  }
}

function showWorkers(workers) {
  const tbody = $("workers").tBodies[0]; tbody.replaceChildren();
  for (const w of workers) {
    const row = tbody.insertRow(); row.dataset.worker = w.id; row.className = w.status; row.title = w.lastFault ?? "";
    cell(row, w.id); cell(row, w.status).className = "status"; cell(row, w.shares);
    cell(row, `${fmt(w.computeMedianMs, 1)} / ${fmt(w.computeP95Ms, 1)}`); cell(row, w.lastStep ?? "–");
    cell(row, w.lost); cell(row, w.refused); cell(row, w.backups);
  }
}

function showTimeline(steps) {
  const max = Math.max(1, ...steps.map(s => s.stepMs));
  $("timeline").replaceChildren(...steps.slice().reverse().map(s => {
    const bar = document.createElement("div"); bar.className = "bar"; bar.title = `step ${s.step}: ${fmt(s.stepMs, 1)} ms`;
    for (const part of ["compute", "transfer", "reduce", "apply"]) {
      const span = document.createElement("span"); span.className = part; span.style.width = `${(100 * s[part + "Ms"] / max).toFixed(2)}%`;
      bar.append(span);
    }
    return bar;
  }));
}

$("generate").onsubmit = async e => {
  e.preventDefault();
  const out = $("sample"); out.textContent = "…"; out.className = "";
  const body = {
    run: state.run, step: $("genStep").value ? Number($("genStep").value) : null, prime: $("prime").value,
    length: Number($("length").value), temperature: Number($("temperature").value), topK: Number($("topk").value), seed: Number($("seed").value),
  };
  try {
    const r = await api("/api/generate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    out.textContent = r.text; out.className = "done"; out.dataset.step = r.step;
  } catch (err) { out.textContent = "error: " + err.message; out.className = "error"; }
};

$("run").onchange = selectRun;
$("compare").onchange = selectCompare;

(async () => {
  await loadRuns();
  const live = new EventSource("/api/live/events");
  live.addEventListener("feed", e => showLive(JSON.parse(e.data)));
  live.onerror = () => { if (!state.live) live.close(); }; // a dashboard of stored runs has no live run
})();
