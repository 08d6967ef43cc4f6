/**
 * The HTML report's inline style and script. The script reads the page's data (gzipped JSON, never HTML), draws each
 * repository's buckets on a canvas, and shows a bucket's images on hover or click; every text it shows goes
 * through textContent, so a tag can never become markup. It fetches nothing.
 */

export const PAGE_STYLE = `
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --stays: #0969da; --safety: #9a6700; --goes: #cf222e; --window: rgba(9, 105, 218, 0.10); --window-edge: rgba(9, 105, 218, 0.45);
  --anchor: #8250df; --channel: #59636e; --now: #1f2328; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --panel: #151b23;
  --stays: #4493f8; --safety: #d29922; --goes: #f85149; --window: rgba(68, 147, 248, 0.14); --window-edge: rgba(68, 147, 248, 0.55);
  --anchor: #ab7df8; --channel: #9198a1; --now: #e6edf3; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px 48px; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 16px; margin: 0 0 2px; } h3 { font-size: 14px; margin: 12px 0 4px; }
code, .digest { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
table.summary { border-collapse: collapse; }
table.summary th { text-align: left; font-weight: 600; padding: 1px 16px 1px 0; color: var(--muted); }
table.summary td { padding: 1px 0; }
ul { margin: 2px 0; padding-left: 20px; }
ul.legend { list-style: none; padding-left: 0; }
.errors, .error { color: var(--goes); } .warnings, .notes, .note { color: var(--safety); }
.key { color: var(--muted); margin: 12px 0 0; }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: baseline; border-radius: 2px; }
.swatch.stays { background: var(--stays); } .swatch.safety { background: var(--safety); } .swatch.goes { background: var(--goes); }
.swatch.protected { background: var(--window); border: 1px dashed var(--window-edge); }
.counts .goes { color: var(--goes); font-weight: 600; } .counts .stays { color: var(--stays); font-weight: 600; }
.counts .safety { color: var(--safety); font-weight: 600; }
.counts, .modes { margin: 0; color: var(--muted); font-size: 13px; }
section.repo { border-top: 1px solid var(--line); padding: 14px 0 6px; margin-top: 14px; }
.track { display: flex; margin-top: 58px; }
.lanes { width: 60px; flex: none; display: flex; flex-direction: column; font-size: 11px; color: var(--muted); }
.lanes span { height: 28px; line-height: 28px; }
.timeline { position: relative; flex: 1; height: 84px; border-left: 1px solid var(--line); border-bottom: 1px solid var(--line);
  background: linear-gradient(var(--line), var(--line)) 0 28px / 100% 1px no-repeat, linear-gradient(var(--line), var(--line)) 0 56px / 100% 1px no-repeat;
  cursor: crosshair; outline: none; }
.timeline:focus-visible { box-shadow: 0 0 0 2px var(--stays); }
.timeline canvas { position: absolute; inset: 0; width: 100%; height: 100%; }
.window { position: absolute; top: 0; bottom: 0; background: var(--window); border-left: 1px dashed var(--window-edge); border-right: 1px dashed var(--window-edge); }
.mark { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px solid var(--channel); pointer-events: none; }
.mark.anchor { border-left-color: var(--anchor); } .mark.now { border-left: 1px dotted var(--now); }
.mark.channel { border-left-style: dashed; }
.mark .label { position: absolute; left: -1px; bottom: 100%; white-space: nowrap; font-size: 12px; padding: 0 4px;
  border-left: 2px solid; color: var(--fg); background: var(--bg); line-height: 16px; }
.mark.anchor .label { color: var(--anchor); font-weight: 600; }
.mark.row1 .label { bottom: calc(100% + 18px); } .mark.row2 .label { bottom: calc(100% + 36px); }
.mark.end .label { left: auto; right: 0; border-left: none; border-right: 2px solid; }
.axis { position: relative; height: 18px; margin-left: 60px; font-size: 11px; color: var(--muted); }
.axis span { position: absolute; top: 2px; transform: translateX(-50%); white-space: nowrap; }
.detail { margin: 6px 0 0 60px; padding: 8px 10px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
#tooltip { position: fixed; z-index: 10; max-width: 560px; padding: 8px 10px; pointer-events: none;
  background: var(--panel); color: var(--fg); border: 1px solid var(--line); border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.25); font-size: 12px; }
.bucket-head { font-weight: 600; } .bucket-head.goes { color: var(--goes); } .bucket-head.stays { color: var(--stays); } .bucket-head.safety { color: var(--safety); }
.image { margin-top: 6px; } .image .digest { word-break: break-all; }
.muted { color: var(--muted); }
`;

export const PAGE_SCRIPT = `(async () => {
"use strict";
async function readData() {
  const packed = document.getElementById("report-data").textContent.trim();
  const binary = atob(packed), bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const text = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
  return JSON.parse(text);
}
if (typeof DecompressionStream !== "function") {
  document.querySelector("main").prepend(Object.assign(document.createElement("p"), { className: "error", textContent: "This browser cannot read the report's timelines (it lacks DecompressionStream): use a current Chrome, Edge, Firefox or Safari." }));
  return;
}
const data = await readData();
const COLUMNS = 1000, LANE = 28, LANES = 3;
const STATE_CLASS = ["stays", "safety", "goes"];
const STATE_NAME = ["stays", "kept by a safety rule", "goes"];
const time = (minutes) => new Date(minutes * 60000).toISOString().slice(0, 16).replace("T", " ");
const units = ["B", "KiB", "MiB", "GiB", "TiB"];
function bytes(n) { let u = 0; while (n >= 1024 && u < units.length - 1) { n /= 1024; u++; } return u ? n.toFixed(1) + " " + units[u] : n + " B"; }
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }

const timelines = [...document.querySelectorAll("[data-timeline]")].map((node) => {
  const tl = data.timelines[Number(node.dataset.timeline)];
  const byLane = [[], [], []];
  for (const b of tl.buckets) byLane[b[1]].push(b);
  node.tabIndex = 0;
  return { node, tl, byLane, section: node.closest("section"), selected: -1 };
});

/** Widths and colours are read once for all timelines (reading them between draws would force a layout each time). */
function draw(t, w = t.node.clientWidth, style = getComputedStyle(document.documentElement)) {
  const canvas = t.node.querySelector("canvas");
  const h = LANE * LANES, ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(w * ratio)); canvas.height = Math.round(h * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const colors = STATE_CLASS.map((c) => style.getPropertyValue("--" + c).trim());
  let most = 1;
  for (const b of t.tl.buckets) most = Math.max(most, b[2]);
  const colW = w / COLUMNS, barW = Math.max(2, colW);
  for (const b of t.tl.buckets) {
    const height = (LANE - 6) * (most === 1 ? 1 : 0.35 + 0.65 * Math.log(1 + b[2]) / Math.log(1 + most));
    ctx.fillStyle = colors[b[1]];
    ctx.fillRect(b[0] * colW, b[1] * LANE + (LANE - height) / 2, barW, height);
  }
  if (t.selected >= 0) {
    const b = t.tl.buckets[t.selected];
    ctx.strokeStyle = style.getPropertyValue("--fg").trim();
    ctx.lineWidth = 1.5;
    ctx.strokeRect(b[0] * colW - 2, b[1] * LANE + 1, barW + 4, LANE - 2);
  }
  canvas.dataset.marks = String(t.tl.buckets.length);
}
function drawAll() {
  const widths = timelines.map((t) => t.node.clientWidth), style = getComputedStyle(document.documentElement);
  timelines.forEach((t, i) => draw(t, widths[i], style));
  document.body.dataset.drawn = String(timelines.length);
}

/** The bucket under the pointer: in its lane if one is near, else the nearest in any lane. */
function bucketAt(t, x, y) {
  const w = t.node.clientWidth, col = (x / w) * COLUMNS, reach = Math.max(1.5, (6 / w) * COLUMNS);
  const lane = Math.min(LANES - 1, Math.max(0, Math.floor(y / LANE)));
  let best = null, bestScore = Infinity;
  for (let l = 0; l < LANES; l++) {
    for (const b of t.byLane[l]) {
      const d = Math.abs(b[0] + 0.5 - col);
      if (d > reach) continue;
      const score = d + (l === lane ? 0 : reach * 2);
      if (score < bestScore) { best = b; bestScore = score; }
    }
  }
  return best;
}

function imageNode(i) {
  const [digest, tags, pushed, size, reason, verdicts, unitOf, outcome] = data.images[i];
  const box = el("div", "image");
  box.append(el("div", "digest", digest));
  box.append(el("div", "", (tags.length ? "tags: " + tags.join(", ") : "untagged") + " · pushed " + (pushed < 0 ? "unknown" : time(pushed)) + " · " + bytes(size)));
  box.append(el("div", "", "reason: " + data.reasons[reason] + (outcome ? " · " + outcome : "")));
  const policies = [];
  for (let k = 0; k < verdicts.length; k += 3) {
    policies.push("#" + (verdicts[k] + 1) + " " + (["keep", "delete", "archive"][verdicts[k + 1]]) + " (" + data.reasons[verdicts[k + 2]] + ")");
  }
  if (policies.length) box.append(el("div", "muted", "policies: " + policies.join("; ")));
  if (unitOf) box.append(el("div", "muted", "member of the unit of " + unitOf.replace(/^sha256:/, "").slice(0, 12)));
  return box;
}

function bucketNodes(b) {
  const [, lane, count, first, last, reasons, images] = b;
  const nodes = [];
  const span = first === last ? time(first) : time(first) + " to " + time(last);
  nodes.push(el("div", "bucket-head " + STATE_CLASS[lane], count + (count === 1 ? " image " : " images ") + STATE_NAME[lane] + " · " + span));
  const why = [];
  for (let k = 0; k < reasons.length; k += 2) why.push(data.reasons[reasons[k]] + " " + reasons[k + 1]);
  nodes.push(el("div", "muted", why.join(", ")));
  for (const i of images) nodes.push(imageNode(i));
  if (count > images.length) nodes.push(el("div", "muted", "… and " + (count - images.length) + " more here: --output json lists every image"));
  return nodes;
}

const tooltip = document.getElementById("tooltip");
function showTooltip(b, clientX, clientY) {
  tooltip.replaceChildren(...bucketNodes(b));
  tooltip.hidden = false;
  const r = tooltip.getBoundingClientRect();
  tooltip.style.left = Math.max(4, Math.min(clientX + 14, window.innerWidth - r.width - 8)) + "px";
  tooltip.style.top = (clientY + 16 + r.height > window.innerHeight ? Math.max(4, clientY - r.height - 12) : clientY + 16) + "px";
}
function select(t, index) {
  t.selected = index;
  const panel = t.section.querySelector(".detail");
  if (index < 0) { panel.hidden = true; panel.replaceChildren(); }
  else { panel.replaceChildren(...bucketNodes(t.tl.buckets[index])); panel.hidden = false; }
  draw(t);
}

for (const t of timelines) {
  const local = (e) => { const r = t.node.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  t.node.addEventListener("mousemove", (e) => {
    const b = bucketAt(t, ...local(e));
    if (b) showTooltip(b, e.clientX, e.clientY); else tooltip.hidden = true;
  });
  t.node.addEventListener("mouseleave", () => { tooltip.hidden = true; });
  t.node.addEventListener("click", (e) => {
    const b = bucketAt(t, ...local(e));
    select(t, b ? t.tl.buckets.indexOf(b) : -1);
  });
  t.node.addEventListener("keydown", (e) => {
    const n = t.tl.buckets.length;
    if (!n) return;
    if (e.key === "ArrowRight") select(t, Math.min(n - 1, t.selected + 1));
    else if (e.key === "ArrowLeft") select(t, Math.max(0, t.selected - 1));
    else if (e.key === "Escape") select(t, -1);
    else return;
    e.preventDefault();
  });
}
document.addEventListener("keydown", (e) => { if (e.key === "Escape") tooltip.hidden = true; });
let pending = false;
window.addEventListener("resize", () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; drawAll(); }); } });
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawAll);
drawAll();
})();
`;
