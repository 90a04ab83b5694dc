// Airtime charts of /console/airtime: asks the JSON API (/api/v1/airtime/daily and /places) with the page's
// range and draws them with the vendored uPlot. The page's tables are the charts' text alternative; without
// this script (or when a request fails) the tables alone remain.
import uPlot from "/assets/vendor/uplot/uPlot.esm.js";

const PALETTE = ["#0b5cad", "#b3261e", "#146c2e", "#8a4b00", "#6a1b9a", "#00695c", "#ad1457", "#37474f"];
/** At most this many partners get a line (the largest); the table lists them all. */
const MAX_LINES = 6;

const root = document.getElementById("airtime-charts");

function width(el) {
  return Math.max(280, Math.min(el.parentElement.clientWidth || 640, 900));
}

function legend(el, items) {
  const ul = document.createElement("ul");
  ul.className = "chart-legend plain";
  for (const { label, color, dashed } of items) {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = dashed ? "swatch dashed" : "swatch";
    sw.style.background = color;
    sw.style.color = color;
    sw.setAttribute("aria-hidden", "true");
    li.append(sw, document.createTextNode(label));
    ul.append(li);
  }
  el.after(ul);
}

function failed(el) {
  const p = document.createElement("p");
  p.className = "muted";
  p.textContent = root.dataset.failed;
  el.replaceChildren(p);
}

async function getJson(path) {
  const res = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

function daily(data) {
  const el = document.getElementById("chart-daily");
  if (!data.partners.length) return;
  const xs = data.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const top = [...data.partners].sort((a, b) => b.total_hours - a.total_hours).slice(0, MAX_LINES);
  const series = [{}];
  const cols = [xs];
  const items = [];
  top.forEach((p, i) => {
    const color = PALETTE[i % PALETTE.length];
    series.push({ label: p.partner, stroke: color, width: 2 });
    cols.push(p.hours);
    items.push({ label: p.partner, color });
    if (p.target_hours) {
      series.push({ label: `${p.partner} · ${root.dataset.target}`, stroke: color, width: 1, dash: [6, 4] });
      cols.push(p.target_hours);
      items.push({ label: `${p.partner} · ${root.dataset.target}`, color, dashed: true });
    }
  });
  const plot = new uPlot(
    {
      width: width(el),
      height: 260,
      legend: { show: false },
      scales: { x: { time: true } },
      axes: [{}, { label: root.dataset.hours }],
      series,
    },
    cols,
    el,
  );
  el.dataset.series = String(series.length - 1);
  legend(el, items);
  return plot;
}

function places(data) {
  const el = document.getElementById("chart-places");
  const totals = new Map();
  for (const r of data.rows) totals.set(r.name, (totals.get(r.name) || 0) + r.hours);
  if (!totals.size) return;
  const names = [...totals.keys()];
  const xs = names.map((_, i) => i);
  const bars = uPlot.paths.bars({ size: [0.6, 60] });
  new uPlot(
    {
      width: width(el),
      height: 220,
      legend: { show: false },
      scales: { x: { time: false, range: [-0.5, names.length - 0.5] } },
      axes: [
        { values: (_, ticks) => ticks.map((t) => (Number.isInteger(t) ? names[t] ?? "" : "")), splits: () => xs },
        { label: root.dataset.hours },
      ],
      series: [{}, { label: root.dataset.hours, fill: "#0b5cad", stroke: "#0b5cad", paths: bars, points: { show: false } }],
    },
    [xs, names.map((n) => totals.get(n))],
    el,
  );
  el.dataset.series = "1";
}

if (root) {
  const q = root.dataset.query;
  getJson(`/api/v1/airtime/daily?${q}`).then(daily).catch(() => failed(document.getElementById("chart-daily")));
  getJson(`/api/v1/airtime/places?${q}`).then(places).catch(() => failed(document.getElementById("chart-places")));
}
