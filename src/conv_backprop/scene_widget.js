// The course's scene renderer: draws a scene (conv_backprop/scene.py) as SVG and handles
// selection in the browser. Python sends a new `scene` when a structural setting changes; a
// click, a hover, an arrow key, ◀ ▶ or a Play step only changes `view` and `step`, here, with
// no round trip to the kernel (so it also works on the static site and in the slides).
//
// The scene arrives in its compact form (Scene.to_wire: one string table, flat index lists).
// After a slider move it may come in two messages: first with only the shown view made (the
// others `null`: keys and selectors known, content pending), then whole. A selection of a
// pending view is remembered and shown when the whole scene arrives.
// A new scene updates the SVG in place: a grid whose place, shape and labels are unchanged
// keeps its nodes and only the cells whose role, colour or text changed are touched; only new
// or reshaped grids are built, from one piece of markup each.

const SVGNS = "http://www.w3.org/2000/svg";
const CELL = 34; // px per cell
// where an arrow starts or ends on its cell, in cells from the centre: centre, top, right, bottom, left
const ANCHOR = [[0, 0], [0, -0.5], [0.5, 0], [0, 0.5], [-0.5, 0]];

function el(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);

// A cell text with "\n" is drawn as stacked lines (e.g. a value over the weight it meets), a
// little smaller so two lines fit in one cell; a one-line text is set as is.
function setText(node, s) {
  const lines = String(s ?? "").split("\n");
  node.classList.toggle("cb-text-lines", lines.length > 1);
  if (lines.length < 2) { node.textContent = lines[0]; return; }
  node.replaceChildren();
  const x = node.getAttribute("x");
  lines.forEach((line, k) => {
    const t = el("tspan", { x, dy: k === 0 ? `${-0.55 * (lines.length - 1)}em` : "1.1em" }, node);
    t.textContent = line;
  });
}

function textMarkup(x, y, s, key) {
  const lines = String(s ?? "").split("\n");
  if (lines.length < 2) return `<text x="${x}" y="${y}" class="cb-text" data-key="${key}">${esc(lines[0])}</text>`;
  const spans = lines.map((line, k) =>
    `<tspan x="${x}" dy="${k === 0 ? -0.55 * (lines.length - 1) + "em" : "1.1em"}">${esc(line)}</tspan>`).join("");
  return `<text x="${x}" y="${y}" class="cb-text cb-text-lines" data-key="${key}">${spans}</text>`;
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

// The compact scene (Scene.to_wire) with its lookups added.
function decode(text) {
  if (!text) return null;
  const s = JSON.parse(text);
  if (s.format !== 2 || !s.grids) return null;
  s.keyIndex = new Map(s.keys.map((k, i) => [k, i]));
  s.gridIndex = new Map(s.grids.map((g, i) => [g.id, i]));
  return s;
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

  // The picture: cells (rects and hatches), then the overlay (windows, arrows), then the cell
  // texts, then the arrows' labels, so no outline or arrow ever covers a number.
  const svg = el("svg", { role: "img" });
  const defs = el("defs", {}, svg);
  const cellLayer = el("g", { class: "cb-grids" }, svg);
  const overlay = el("g", { class: "cb-overlay" }, svg);
  const textLayer = el("g", { class: "cb-texts" }, svg);
  const labelLayer = el("g", { class: "cb-overlay" }, svg);

  let scene = null; // the decoded scene
  let sceneText = null; // the `scene` trait it was decoded from
  let grids = []; // per grid: { id, sig, group, tgroup, cells: [{rect, hatch, text, x, y, key}], role, text, face, sel }
  let stylesSig = "", legendSig = "", controlsSig = "";
  let hatchFill = {};
  let timer = null;
  let cursor = {}; // grid id -> [r, c] for keyboard moves
  let current = -1, currentStep = 0;
  let touched = []; // [gi, k] of cells the shown view changed

  const roleName = (ri) => scene.roles[ri];

  function styleCell(G, k, role) {
    const c = G.cells[k];
    const s = scene.styles[role];
    const face = role === G.role[k] && G.face && G.face[k] ? G.face[k] : s.face;
    c.rect.setAttribute("fill", face);
    c.rect.setAttribute("stroke", s.edge);
    c.rect.setAttribute("stroke-width", s.lw);
    c.rect.setAttribute("stroke-dasharray", dashes(s.ls, s.lw));
    c.rect.dataset.role = role;
    if (s.hatch) {
      if (!c.hatch) {
        c.hatch = el("rect", { x: c.x, y: c.y, width: CELL, height: CELL, class: "cb-hatch" });
        c.rect.after(c.hatch);
      }
      c.hatch.setAttribute("fill", hatchFill[role]);
      c.hatch.style.display = "";
    } else if (c.hatch) {
      c.hatch.style.display = "none";
    }
  }

  function textOf(G, k) {
    const c = G.cells[k];
    if (!c.text) c.text = el("text", { x: c.x + CELL / 2, y: c.y + CELL / 2, class: "cb-text", "data-key": c.key }, G.tgroup);
    return c.text;
  }

  function writeText(G, k, s) {
    const c = G.cells[k];
    if (!c.text && !s) return;
    setText(textOf(G, k), s);
  }

  // ------------------------------------------------------------------ structure
  function gridSig(g) {
    return JSON.stringify([g.title, g.label, g.shape, g.origin, g.rows, g.cols]);
  }

  function buildGrid(g, gi) {
    const [R, C] = g.shape;
    const [oy, ox] = g.origin;
    const parts = [`<text x="${(ox + C / 2) * CELL}" y="${(oy - 1.1) * CELL}" class="cb-title">${esc(g.title)}</text>`];
    for (let c = 0; c < C; c++) parts.push(`<text x="${(ox + c + 0.5) * CELL}" y="${(oy - 0.35) * CELL}" class="cb-index">${esc(g.cols[c])}</text>`);
    for (let r = 0; r < R; r++) parts.push(`<text x="${(ox - 0.45) * CELL}" y="${(oy + r + 0.5) * CELL}" class="cb-index">${esc(g.rows[r])}</text>`);
    const texts = [];
    const keys = [];
    for (let r = 0, k = 0; r < R; r++) {
      for (let c = 0; c < C; c++, k++) {
        const key = esc(`${g.id}:${r}:${c}`);
        keys.push(key);
        const x = (ox + c) * CELL, y = (oy + r) * CELL;
        const role = roleName(g.roles[k]), st = scene.styles[role];
        const pick = g.select && g.select[k] >= 0 ? " cb-selectable" : "";
        parts.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" class="cb-cell${pick}" data-key="${key}" ` +
          `data-role="${role}" fill="${(g.faces && g.faces[k]) || st.face}" stroke="${st.edge}" stroke-width="${st.lw}" stroke-dasharray="${dashes(st.ls, st.lw)}"/>`);
        if (st.hatch) parts.push(`<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" class="cb-hatch" fill="${hatchFill[role]}"/>`);
        const t = scene.strings[g.texts[k]];
        if (t !== "") texts.push(textMarkup(x + CELL / 2, y + CELL / 2, t, key));
      }
    }
    const group = el("g", { class: "cb-grid", "data-grid": g.id });
    if (g.select) {
      group.setAttribute("tabindex", "0");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", `${g.label}: arrow keys move the selection`);
    }
    group.innerHTML = parts.join("");
    const tgroup = el("g", { "data-grid": g.id });
    tgroup.innerHTML = texts.join("");
    const cells = [];
    let k = 0;
    for (const rect of group.querySelectorAll("rect.cb-cell")) {
      const next = rect.nextElementSibling;
      cells.push({ rect, hatch: next && next.classList.contains("cb-hatch") ? next : null, text: null,
        x: (ox + (k % C)) * CELL, y: (oy + Math.floor(k / C)) * CELL, key: keys[k] });
      k++;
    }
    const index = new Map(keys.map((key, i) => [key, i]));
    for (const t of tgroup.children) cells[index.get(t.dataset.key)].text = t;
    return { id: g.id, sig: gridSig(g), group, tgroup, cells };
  }

  // Bring a kept grid's cells to the new scene's base roles, colours, texts and selectors.
  function refreshGrid(G, g) {
    const n = G.cells.length;
    for (let k = 0; k < n; k++) {
      const role = roleName(g.roles[k]);
      const face = g.faces ? g.faces[k] : "";
      if (role !== G.role[k] || face !== (G.face ? G.face[k] : "")) {
        G.role[k] = role;
        if (!G.face && face) G.face = new Array(n).fill("");
        if (G.face) G.face[k] = face;
        styleCell(G, k, role);
      }
      const t = scene.strings[g.texts[k]];
      if (t !== G.text[k]) { G.text[k] = t; writeText(G, k, t); }
      const pick = !!(g.select && g.select[k] >= 0);
      if (pick !== G.cells[k].rect.classList.contains("cb-selectable")) G.cells[k].rect.classList.toggle("cb-selectable", pick);
    }
    if (!g.faces) G.face = null;
    const focusable = !!g.select;
    if (focusable !== G.group.hasAttribute("tabindex")) {
      if (focusable) {
        G.group.setAttribute("tabindex", "0");
        G.group.setAttribute("role", "group");
        G.group.setAttribute("aria-label", `${g.label}: arrow keys move the selection`);
      } else {
        for (const a of ["tabindex", "role", "aria-label"]) G.group.removeAttribute(a);
      }
    }
  }

  function draw() {
    const text = model.get("scene");
    if (text === sceneText) return;
    sceneText = text;
    if (timer) { clearInterval(timer); timer = null; }
    const next = decode(text);
    // the shown view's cells go back to their base look before the grids are compared
    for (const [gi, k] of touched) {
      const G = grids[gi];
      styleCell(G, k, G.role[k]);
      writeText(G, k, G.text[k]);
    }
    touched = [];
    overlay.replaceChildren();
    labelLayer.replaceChildren();
    if (!next) {
      scene = null;
      root.removeAttribute("data-pending");
      figure.replaceChildren();
      grids = [];
      legend.replaceChildren(); controls.replaceChildren(); note.textContent = ""; readout.textContent = "";
      legendSig = controlsSig = "";
      return;
    }
    scene = next;
    cursor = {};
    const sig = JSON.stringify(scene.styles);
    if (sig !== stylesSig) {
      stylesSig = sig;
      defs.replaceChildren();
      hatchFill = {};
      for (const [role, s] of Object.entries(scene.styles)) {
        if (s.hatch) hatchFill[role] = hatchPattern(defs, role, s);
        const marker = el("marker", { id: `cb-head-${role}`, viewBox: "0 0 10 10", refX: 9, refY: 5,
          markerWidth: 7, markerHeight: 7, orient: "auto" }, defs);
        el("path", { d: "M0,0 L10,5 L0,10 z", fill: s.edge }, marker);
      }
    }
    const old = new Map(grids.map((G) => [G.id, G]));
    const kept = [];
    grids = scene.grids.map((g, gi) => {
      const G0 = old.get(g.id);
      if (G0 && G0.sig === gridSig(g)) {
        old.delete(g.id);
        refreshGrid(G0, g);
        kept.push(G0);
        return G0;
      }
      const G = buildGrid(g, gi);
      G.role = g.roles.map(roleName);
      G.text = g.texts.map((si) => scene.strings[si]);
      G.face = g.faces ? g.faces.slice() : null;
      return G;
    });
    for (const G of old.values()) { G.group.remove(); G.tgroup.remove(); }
    // grids in the scene's order (the Tab order); a kept grid already in place does not move
    grids.forEach((G, gi) => {
      if (cellLayer.children[gi] !== G.group) cellLayer.insertBefore(G.group, cellLayer.children[gi] || null);
      if (textLayer.children[gi] !== G.tgroup) textLayer.insertBefore(G.tgroup, textLayer.children[gi] || null);
    });

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
    svg.setAttribute("viewBox", `${x0 * CELL} ${y0 * CELL} ${w} ${h}`);
    svg.setAttribute("width", w);
    svg.setAttribute("height", h);
    svg.setAttribute("aria-label", scene.title || "explorer");
    if (svg.parentNode !== figure) figure.replaceChildren(svg);

    const lsig = JSON.stringify([scene.legend, scene.styles]);
    if (lsig !== legendSig) {
      legendSig = lsig;
      legend.replaceChildren();
      for (const [role, t] of scene.legend) {
        const s = scene.styles[role];
        const item = document.createElement("span");
        item.className = "cb-legend-item";
        const sw = el("svg", { width: 22, height: 16 });
        el("rect", { x: 2, y: 2, width: 18, height: 12, fill: s.face, stroke: s.edge,
          "stroke-width": Math.min(s.lw, 2.5), "stroke-dasharray": dashes(s.ls, 1) }, sw);
        if (s.hatch) el("rect", { x: 2, y: 2, width: 18, height: 12, fill: hatchFill[role] }, sw);
        item.appendChild(sw);
        item.append(` ${t}`);
        legend.appendChild(item);
      }
    }
    // views still to come (the first of a slider move's two messages): marked for tests and the benchmark
    if (scene.views.includes(null)) root.setAttribute("data-pending", ""); else root.removeAttribute("data-pending");
    if (note.textContent !== (scene.note || "")) note.textContent = scene.note || "";
    note.style.display = scene.note ? "" : "none";
    drawControls();
    const k = scene.keyIndex.get(model.get("view"));
    current = -1;
    show(k !== undefined ? k : scene.view, k !== undefined ? (model.get("step") || 0) : scene.step);
  }

  // ------------------------------------------------------------------ a view
  function center(gi, k, anchor) {
    const g = scene.grids[gi];
    const C = g.shape[1];
    const [ax, ay] = ANCHOR[anchor || 0];
    return [(g.origin[1] + (k % C) + 0.5 + ax) * CELL, (g.origin[0] + Math.floor(k / C) + 0.5 + ay) * CELL];
  }

  function show(vi, step = 0) {
    for (const [gi, k] of touched) {
      const G = grids[gi];
      styleCell(G, k, G.role[k]);
      writeText(G, k, G.text[k]);
    }
    touched = [];
    overlay.replaceChildren();
    labelLayer.replaceChildren();
    const v = scene.views[vi];
    if (!v) { readout.textContent = ""; current = -1; currentStep = 0; updateCounter(); return; }
    const nsteps = v.s ? v.s.length : 0;
    step = Math.max(0, Math.min(nsteps, step | 0));
    const parts = step > 0 ? [v, v.s[step - 1]] : [v];
    for (const part of parts) {
      const cl = part.c || [];
      for (let q = 0; q < cl.length; q += 3) {
        styleCell(grids[cl[q]], cl[q + 1], roleName(cl[q + 2]));
        touched.push([cl[q], cl[q + 1]]);
      }
      const tx = part.t || [];
      for (let q = 0; q < tx.length; q += 3) {
        writeText(grids[tx[q]], tx[q + 1], scene.strings[tx[q + 2]]);
        touched.push([tx[q], tx[q + 1]]);
      }
      const wd = part.w || [];
      for (let q = 0; q < wd.length; q += 6) {
        const g = scene.grids[wd[q]];
        const s = scene.styles[roleName(wd[q + 5])];
        el("rect", { x: (g.origin[1] + wd[q + 2]) * CELL, y: (g.origin[0] + wd[q + 1]) * CELL, width: wd[q + 4] * CELL,
          height: wd[q + 3] * CELL, fill: "none", stroke: s.edge, "stroke-width": s.lw + 0.5,
          "stroke-dasharray": dashes(s.ls, s.lw), class: "cb-window" }, overlay);
      }
      const ar = part.a || [];
      for (let q = 0; q < ar.length; q += 8) {
        const [ga, ka, aa, gb, kb, ab, ri, li] = ar.slice(q, q + 8);
        let [xa, ya] = center(ga, ka, aa), [xb, yb] = center(gb, kb, ab);
        const mx = (xa + xb) / 2 - (yb - ya) * 0.15, my = (ya + yb) / 2 + (xb - xa) * 0.15;
        // a centre endpoint starts or ends at the cell's edge, not its centre, so no number is covered
        const towards = (x, y, d) => {
          const len = Math.hypot(mx - x, my - y) || 1;
          return [x + ((mx - x) * d) / len, y + ((my - y) * d) / len];
        };
        if (!aa) [xa, ya] = towards(xa, ya, 0.5 * CELL);
        if (!ab) [xb, yb] = towards(xb, yb, 0.55 * CELL);
        const role = roleName(ri);
        const s = scene.styles[role];
        el("path", { d: `M${xa},${ya} Q${mx},${my} ${xb},${yb}`, fill: "none", stroke: s.edge,
          "stroke-width": 1.6, "marker-end": `url(#cb-head-${role})`, class: "cb-arrow" }, overlay);
        const label = scene.strings[li];
        if (label) {
          const t = el("text", { x: 0.25 * xa + 0.5 * mx + 0.25 * xb, y: 0.25 * ya + 0.5 * my + 0.25 * yb,
            class: "cb-arrow-label" }, labelLayer);
          t.textContent = label;
        }
      }
    }
    const lines = parts[parts.length - 1].r || [];
    const said = lines.map((si) => scene.strings[si]).join("\n");
    if (readout.textContent !== said) readout.textContent = said; // the same words are not announced twice
    current = vi;
    currentStep = step;
    updateCounter();
  }

  function choose(vi, step = 0) {
    if (vi === current && step === currentStep) return;
    if (scene.views[vi]) show(vi, step); // else pending: drawn when the whole scene arrives
    model.set("view", scene.keys[vi]);
    model.set("step", step);
    try { model.save_changes(); } catch (e) { /* no kernel: the selection stays in the page */ }
  }

  // ------------------------------------------------------------------ pointer and keys
  // One set of listeners for the whole picture. Hovering selects what the pointer enters and
  // nothing is cleared when it leaves a cell, so moving across cells never blinks.
  function cellAt(target) {
    const key = target && target.dataset && target.dataset.key;
    if (!key || !scene) return null;
    const cut = key.lastIndexOf(":"), cut2 = key.lastIndexOf(":", cut - 1);
    const gi = scene.gridIndex.get(key.slice(0, cut2));
    if (gi === undefined) return null;
    const r = +key.slice(cut2 + 1, cut), c = +key.slice(cut + 1);
    const g = scene.grids[gi];
    const vi = g.select ? g.select[r * g.shape[1] + c] : -1;
    return vi >= 0 ? { g, r, c, vi } : null;
  }
  const pick = (ev) => {
    const hit = cellAt(ev.target);
    if (!hit) return;
    cursor[hit.g.id] = [hit.r, hit.c];
    if (hit.vi !== current) choose(hit.vi, 0);
  };
  cellLayer.addEventListener("click", pick);
  cellLayer.addEventListener("mouseover", pick);
  cellLayer.addEventListener("keydown", (ev) => {
    const group = ev.target.closest && ev.target.closest("g.cb-grid[tabindex]");
    if (group && scene) onKey(ev, scene.grids[scene.gridIndex.get(group.dataset.grid)]);
  });

  function onKey(ev, g) {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (!g || !(ev.key in moves)) return;
    ev.preventDefault();
    const [dr, dc] = moves[ev.key];
    let [r, c] = cursor[g.id] || [0, 0];
    for (let k = 0; k < Math.max(...g.shape); k++) {
      r += dr; c += dc;
      if (r < 0 || c < 0 || r >= g.shape[0] || c >= g.shape[1]) return;
      const vi = g.select[r * g.shape[1] + c];
      if (vi >= 0) { cursor[g.id] = [r, c]; choose(vi, 0); return; }
    }
  }

  // ------------------------------------------------------------------ ◀ ▶ and Play
  // A view with steps (the dw explorer's (x, dout) pairs) is walked step by step, step 0 being
  // the view itself (all of them at once); otherwise ◀ ▶ walk the scene's order of views.
  let counter = null;
  const stepsOf = (vi) => (vi >= 0 && scene.views[vi] && scene.views[vi].s ? scene.views[vi].s.length : 0);

  function updateCounter() {
    if (!counter) return;
    const n = stepsOf(current);
    const name = scene.step_name || "step";
    if (n) {
      counter.textContent = currentStep ? `${name} ${currentStep} / ${n}` : `all ${n} ${name}s`;
    } else {
      const k = scene.order.indexOf(current);
      counter.textContent = k >= 0 ? `${k + 1} / ${scene.order.length}` : "";
    }
  }

  function stepBy(delta) {
    const n = stepsOf(current);
    if (n) { choose(current, (currentStep + delta + n + 1) % (n + 1)); return; }
    const m = scene.order.length;
    if (!m) return;
    const k = scene.order.indexOf(current);
    choose(scene.order[((k < 0 ? -1 : k) + delta + m) % m], 0);
  }

  function drawControls() {
    const stepped = scene.views.some((v) => v && v.s && v.s.length);
    const sig = `${stepped}|${scene.order.length >= 2}|${scene.step_name}`;
    if (sig === controlsSig) return;
    controlsSig = sig;
    controls.replaceChildren();
    counter = null;
    if (!stepped && scene.order.length < 2) return;
    const what = stepped ? `${scene.step_name || "step"}s` : "views";
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
    button("◀", `previous (${what})`, () => stepBy(-1));
    const play = button("▶ Play", `play: step through the ${what}`, () => {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ Play"; return; }
      play.textContent = "❚❚ Pause";
      timer = setInterval(() => { if (scene) stepBy(1); }, scene.interval || 700);
    });
    button("▶", `next (${what})`, () => stepBy(1));
    counter = document.createElement("span");
    counter.className = "cb-counter";
    controls.appendChild(counter);
  }

  // From Python: a new scene redraws; a new view or step (e.g. `explorer.select(...)`) shows it.
  // A view that arrives together with a new scene is drawn by `draw`, once.
  const fromModel = () => {
    if (!scene || model.get("scene") !== sceneText) return;
    const vi = scene.keyIndex.get(model.get("view"));
    const st = model.get("step") || 0;
    if (vi !== undefined && (vi !== current || st !== currentStep)) show(vi, st);
  };
  model.on("change:scene", draw);
  model.on("change:view", fromModel);
  model.on("change:step", fromModel);
  draw();
  return () => { if (timer) clearInterval(timer); };
}

export default { render };
