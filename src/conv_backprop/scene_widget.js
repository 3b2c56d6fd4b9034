// The course's scene renderer: draws a scene (conv_backprop/scene.py) as SVG and handles
// selection in the browser. Python sends a new `scene` when a structural setting changes; a
// click, a hover, an arrow key or a Play step only changes `view`, here, with no round trip
// to the kernel (so it also works on the static site and in the slides).

const SVGNS = "http://www.w3.org/2000/svg";
const CELL = 34; // px per cell

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

// A cell text with "\n" is drawn as stacked lines (e.g. a value over the weight it meets), a
// little smaller so two lines fit in one cell; a one-line text is set as before.
function setText(node, s) {
  const lines = String(s ?? "").split("\n");
  node.replaceChildren();
  node.classList.toggle("cb-text-lines", lines.length > 1);
  if (lines.length < 2) { node.textContent = lines[0]; return; }
  const x = node.getAttribute("x");
  lines.forEach((line, k) => {
    const t = el("tspan", { x, dy: k === 0 ? `${-0.55 * (lines.length - 1)}em` : "1.1em" }, node);
    t.textContent = line;
  });
}

const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);

// The markup of a cell text; "\n" stacks lines, a little smaller (see setText).
function textMarkup(x, y, s) {
  const lines = String(s ?? "").split("\n");
  if (lines.length < 2) return `<text x="${x}" y="${y}" class="cb-text">${esc(lines[0])}</text>`;
  const spans = lines.map((line, k) =>
    `<tspan x="${x}" dy="${k === 0 ? -0.55 * (lines.length - 1) + "em" : "1.1em"}">${esc(line)}</tspan>`).join("");
  return `<text x="${x}" y="${y}" class="cb-text cb-text-lines">${spans}</text>`;
}

function dashes(ls, lw) {
  return ls === "--" ? `${3 * lw} ${2 * lw}` : "none";
}

function hatchPattern(defs, role, style) {
  const id = `cb-hatch-${role}`;
  const p = el("pattern", { id, patternUnits: "userSpaceOnUse", width: 8, height: 8 }, defs);
  const stroke = { stroke: style.edge, "stroke-width": 1 };
  el("path", { d: "M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4", ...stroke }, p);
  if (style.hatch === "xx") el("path", { d: "M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4", ...stroke }, p);
  return `url(#${id})`;
}

function render({ model, el: root }) {
  root.classList.add("cb-scene");
  const figure = document.createElement("div");
  figure.className = "cb-figure";
  const controls = document.createElement("div");
  controls.className = "cb-steps";
  const legend = document.createElement("div");
  legend.className = "cb-legend";
  const readout = document.createElement("pre");
  readout.className = "cb-readout";
  readout.setAttribute("aria-live", "polite");
  readout.setAttribute("role", "status");
  const note = document.createElement("pre");
  note.className = "cb-note";
  root.append(figure, legend, controls, note, readout);

  let scene = null;
  let cells = {}; // "grid:r:c" -> {rect, hatch, text, role, label}
  let overlay = null;
  let hatchFill = {};
  let timer = null;
  let cursor = {}; // grid id -> [r, c] for keyboard moves

  // A cell's hatch layer and text node are made only when needed: most cells have no hatch,
  // and fewer nodes make a structural redraw faster.
  function hatchOf(c) {
    if (!c.hatch) {
      c.hatch = el("rect", { x: c.x, y: c.y, width: CELL, height: CELL, class: "cb-hatch" });
      c.rect.after(c.hatch);
    }
    return c.hatch;
  }

  function textOf(c) {
    if (!c.text) {
      c.text = el("text", { x: c.x + CELL / 2, y: c.y + CELL / 2, class: "cb-text" });
      (c.hatch || c.rect).after(c.text);
    }
    return c.text;
  }

  function styleCell(c, role) {
    const s = scene.roles[role];
    c.rect.setAttribute("fill", role === c.role && c.face ? c.face : s.face);
    c.rect.setAttribute("stroke", s.edge);
    c.rect.setAttribute("stroke-width", s.lw);
    c.rect.setAttribute("stroke-dasharray", dashes(s.ls, s.lw));
    c.rect.dataset.role = role;
    if (s.hatch) {
      hatchOf(c).setAttribute("fill", hatchFill[role]);
      c.hatch.style.display = "";
    } else if (c.hatch) {
      c.hatch.style.display = "none";
    }
  }

  function center(g, r, col) {
    const grid = scene.grids.find((x) => x.id === g);
    return [(grid.origin[1] + col + 0.5) * CELL, (grid.origin[0] + r + 0.5) * CELL];
  }

  function draw() {
    const text = model.get("scene");
    scene = text ? JSON.parse(text) : null;
    figure.replaceChildren();
    cells = {};
    cursor = {};
    if (!scene || !scene.grids) return;
    let x1 = 0, y1 = 0, x0 = Infinity, y0 = Infinity;
    for (const g of scene.grids) {
      const half = 0.13 * g.title.length; // a title may be wider than its grid (15 px bold)
      const mid = g.origin[1] + g.shape[1] / 2;
      x0 = Math.min(x0, g.origin[1] - 1.2, mid - half);
      y0 = Math.min(y0, g.origin[0] - 1.6);
      x1 = Math.max(x1, g.origin[1] + g.shape[1] + 0.3, mid + half);
      y1 = Math.max(y1, g.origin[0] + g.shape[0] + 0.3);
    }
    const w = (x1 - x0) * CELL, h = (y1 - y0) * CELL;
    const svg = el("svg", {
      viewBox: `${x0 * CELL} ${y0 * CELL} ${w} ${h}`, width: w, height: h,
      role: "img", "aria-label": scene.title || "explorer",
    });
    figure.appendChild(svg);
    const defs = el("defs", {}, svg);
    hatchFill = {};
    for (const [role, s] of Object.entries(scene.roles)) if (s.hatch) hatchFill[role] = hatchPattern(defs, role, s);
    for (const [role, s] of Object.entries(scene.roles)) {
      const marker = el("marker", { id: `cb-head-${role}`, viewBox: "0 0 10 10", refX: 9, refY: 5,
        markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
      el("path", { d: "M0,0 L10,5 L0,10 z", fill: s.edge }, marker);
    }

    // The grids as one piece of markup, parsed once (thousands of cells: far faster than a
    // createElement per node), then one listener for the whole picture.
    const parts = [];
    for (const g of scene.grids) {
      const [R, C] = g.shape;
      const [oy, ox] = g.origin;
      const selectable = g.roles.some((row, r) => row.some((_, c) => `${g.id}:${r}:${c}` in scene.select));
      const focus = selectable ? ` tabindex="0" role="group" aria-label="${esc(g.label)}: arrow keys move the selection"` : "";
      parts.push(`<g class="cb-grid" data-grid="${esc(g.id)}"${focus}>`);
      parts.push(`<text x="${(ox + C / 2) * CELL}" y="${(oy - 1.1) * CELL}" class="cb-title">${esc(g.title)}</text>`);
      for (let c = 0; c < C; c++) {
        parts.push(`<text x="${(ox + c + 0.5) * CELL}" y="${(oy - 0.35) * CELL}" class="cb-index">${esc(g.col_labels[c])}</text>`);
      }
      for (let r = 0; r < R; r++) {
        parts.push(`<text x="${(ox - 0.45) * CELL}" y="${(oy + r + 0.5) * CELL}" class="cb-index">${esc(g.row_labels[r])}</text>`);
      }
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) {
          const key = `${g.id}:${r}:${c}`;
          const x = (ox + c) * CELL, y = (oy + r) * CELL;
          const role = g.roles[r][c], st = scene.roles[role];
          const pick = key in scene.select ? " cb-selectable" : "";
          parts.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" class="cb-cell${pick}" data-key="${esc(key)}" ` +
            `data-role="${role}" fill="${(g.faces && g.faces[r][c]) || st.face}" stroke="${st.edge}" stroke-width="${st.lw}" stroke-dasharray="${dashes(st.ls, st.lw)}"/>`);
          if (st.hatch) parts.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" class="cb-hatch" fill="${hatchFill[role]}"/>`);
          if (g.texts[r][c] !== "") parts.push(textMarkup(x + CELL / 2, y + CELL / 2, g.texts[r][c]));
        }
      }
      parts.push("</g>");
    }
    const layer = el("g", { class: "cb-grids" }, svg);
    layer.innerHTML = parts.join("");
    const grids = Object.fromEntries(scene.grids.map((g) => [g.id, g]));
    for (const rect of layer.querySelectorAll("rect.cb-cell")) {
      const [g, r, c] = rect.dataset.key.split(":");
      let next = rect.nextElementSibling;
      const hatch = next && next.classList.contains("cb-hatch") ? next : null;
      if (hatch) next = hatch.nextElementSibling;
      const text = next && next.tagName === "text" && next.classList.contains("cb-text") ? next : null;
      cells[rect.dataset.key] = { rect, hatch, text, x: +rect.getAttribute("x"), y: +rect.getAttribute("y"),
        role: grids[g].roles[+r][+c], label: grids[g].texts[+r][+c],
        face: grids[g].faces ? grids[g].faces[+r][+c] : null };
    }
    const pick = (ev) => {
      const key = ev.target.dataset && ev.target.dataset.key;
      if (key && key in scene.select) {
        const [g, r, c] = key.split(":");
        choose(scene.select[key], g, +r, +c);
      }
    };
    layer.addEventListener("click", pick);
    layer.addEventListener("mouseover", pick);
    for (const group of layer.querySelectorAll("g.cb-grid[tabindex]")) {
      group.addEventListener("keydown", (ev) => onKey(ev, grids[group.dataset.grid]));
    }
    overlay = el("g", { class: "cb-overlay" }, svg);

    legend.replaceChildren();
    for (const [role, text] of scene.legend) {
      const s = scene.roles[role];
      const item = document.createElement("span");
      item.className = "cb-legend-item";
      const sw = el("svg", { width: 22, height: 16 });
      el("rect", { x: 2, y: 2, width: 18, height: 12, fill: s.face, stroke: s.edge,
        "stroke-width": Math.min(s.lw, 2.5), "stroke-dasharray": dashes(s.ls, 1) }, sw);
      if (s.hatch) el("rect", { x: 2, y: 2, width: 18, height: 12, fill: hatchFill[role] }, sw);
      item.appendChild(sw);
      item.append(` ${text}`);
      legend.appendChild(item);
    }
    note.textContent = scene.note || "";
    note.style.display = scene.note ? "" : "none";
    drawControls();
    show(model.get("view") in scene.views ? model.get("view") : scene.view);
  }

  let shown = [];
  function show(key) {
    const v = scene.views[key];
    for (const c of shown) {
      styleCell(c, c.role);
      if (c.text || c.label) setText(textOf(c), c.label);
      c.rect.classList.remove("cb-current");
    }
    shown = [];
    overlay.replaceChildren();
    if (!v) { readout.textContent = ""; return; }
    for (const [g, r, c, role] of v.cells) {
      const cell = cells[`${g}:${r}:${c}`];
      styleCell(cell, role);
      shown.push(cell);
    }
    for (const [g, r, c, t] of v.texts) {
      const cell = cells[`${g}:${r}:${c}`];
      setText(textOf(cell), t);
      shown.push(cell);
    }
    for (const [g, r0, c0, hh, ww, role] of v.windows) {
      const grid = scene.grids.find((x) => x.id === g);
      const s = scene.roles[role];
      el("rect", { x: (grid.origin[1] + c0) * CELL, y: (grid.origin[0] + r0) * CELL, width: ww * CELL,
        height: hh * CELL, fill: "none", stroke: s.edge, "stroke-width": s.lw + 0.5,
        "stroke-dasharray": dashes(s.ls, s.lw), class: "cb-window" }, overlay);
    }
    for (const [a, b, role, label] of v.arrows) {
      let [xa, ya] = center(...a), [xb, yb] = center(...b);
      const mx = (xa + xb) / 2 - (yb - ya) * 0.15, my = (ya + yb) / 2 + (xb - xa) * 0.15;
      // start and end at the cells' edges, not their centres, so no number is covered
      const towards = (x, y, d) => {
        const len = Math.hypot(mx - x, my - y) || 1;
        return [x + ((mx - x) * d) / len, y + ((my - y) * d) / len];
      };
      [xa, ya] = towards(xa, ya, 0.5 * CELL);
      [xb, yb] = towards(xb, yb, 0.55 * CELL);
      const s = scene.roles[role];
      el("path", { d: `M${xa},${ya} Q${mx},${my} ${xb},${yb}`, fill: "none", stroke: s.edge,
        "stroke-width": 1.6, "marker-end": `url(#cb-head-${role})`, class: "cb-arrow" }, overlay);
      if (label) {
        const lx = 0.25 * xa + 0.5 * mx + 0.25 * xb, ly = 0.25 * ya + 0.5 * my + 0.25 * yb;
        const t = el("text", { x: lx, y: ly, class: "cb-arrow-label" }, overlay);
        t.textContent = label;
      }
    }
    readout.textContent = v.readout;
    current = key;
    updateCounter();
  }

  let current = null;
  function choose(key, g, r, c) {
    if (g !== undefined) cursor[g] = [r, c];
    if (key === current) return;
    show(key);
    model.set("view", key);
    try { model.save_changes(); } catch (e) { /* no kernel: the selection stays in the page */ }
  }

  function onKey(ev, g) {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    const [dr, dc] = moves[ev.key];
    let [r, c] = cursor[g.id] || [0, 0];
    for (let k = 0; k < Math.max(...g.shape); k++) {
      r += dr; c += dc;
      if (r < 0 || c < 0 || r >= g.shape[0] || c >= g.shape[1]) return;
      const key = `${g.id}:${r}:${c}`;
      if (key in scene.select) { choose(scene.select[key], g.id, r, c); return; }
    }
  }

  let counter = null;
  function updateCounter() {
    if (!counter) return;
    const k = scene.order.indexOf(current);
    counter.textContent = k >= 0 ? `${k + 1} / ${scene.order.length}` : "";
  }

  function step(delta) {
    const n = scene.order.length;
    if (!n) return;
    const k = scene.order.indexOf(current);
    choose(scene.order[((k < 0 ? -1 : k) + delta + n) % n]);
  }

  function drawControls() {
    controls.replaceChildren();
    if (timer) { clearInterval(timer); timer = null; }
    counter = null;
    if (!scene.order || scene.order.length < 2) return;
    const button = (label, title, fn) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.setAttribute("aria-label", title);
      b.addEventListener("click", fn);
      controls.appendChild(b);
      return b;
    };
    button("◀", "previous step", () => step(-1));
    const play = button("▶ Play", "play: step through every view", () => {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ Play"; return; }
      play.textContent = "❚❚ Pause";
      timer = setInterval(() => step(1), scene.interval || 700);
    });
    button("▶", "next step", () => step(1));
    counter = document.createElement("span");
    counter.className = "cb-counter";
    controls.appendChild(counter);
  }

  model.on("change:scene", draw);
  model.on("change:view", () => { const k = model.get("view"); if (scene && k !== current && k in scene.views) show(k); });
  draw();
  return () => { if (timer) clearInterval(timer); };
}

export default { render };
