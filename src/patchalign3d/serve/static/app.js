// The page of `patchalign3d serve`: upload a shape, name its parts, look at the parts in 3D.
// Talks to the JSON API of patchalign3d/serve/app.py; arrays arrive as base64 of little-endian bytes
// (patchalign3d/serve/view.py). Draws with three.js, vendored under /static/vendor/three.
import * as THREE from 'three';
import { OrbitControls } from '/static/vendor/three/OrbitControls.js';

const $ = (id) => document.getElementById(id);
const ui = {
  file: $('file'), drop: $('drop'), dropText: $('drop-text'), shapeInfo: $('shape-info'),
  preset: $('preset'), parts: $('parts'), up: $('up'), assign: $('assign'), segment: $('segment'),
  status: $('status'), error: $('error'), results: $('results'), legend: $('legend'), shareOf: $('share-of'),
  downloads: $('downloads'), modelInfo: $('model-info'), canvas: $('canvas'), view: $('view'),
  empty: $('empty'), tooltip: $('tooltip'), resetView: $('reset-view'),
};

// ------------------------------------------------------------------------------------------ the 3D view

const renderer = new THREE.WebGLRenderer({ canvas: ui.canvas, antialias: true, alpha: true });
renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
const scene = new THREE.Scene();
const camera = new THREE.PerspectiveCamera(35, 1, 0.01, 1000);
scene.add(camera);
scene.add(new THREE.HemisphereLight(0xffffff, 0x9aa0aa, 2.1));
const keyLight = new THREE.DirectionalLight(0xffffff, 1.5);
keyLight.position.set(-1, 2, 3);  // camera space: from the upper left, behind the viewer
camera.add(keyLight);
const controls = new OrbitControls(camera, ui.canvas);
controls.addEventListener('change', render);
const model = new THREE.Group();  // holds the drawn shape; turned so that the shape's up is the view's up
scene.add(model);

function render() { renderer.render(scene, camera); }

function resize() {
  const { clientWidth: w, clientHeight: h } = ui.view;
  renderer.setSize(w, h, false);
  camera.aspect = w / Math.max(h, 1);
  camera.updateProjectionMatrix();
  render();
}
new ResizeObserver(resize).observe(ui.view);

function frameShape() {
  const box = new THREE.Box3().setFromObject(model);
  if (box.isEmpty()) return;
  const sphere = box.getBoundingSphere(new THREE.Sphere());
  const distance = sphere.radius / Math.sin(THREE.MathUtils.degToRad(camera.fov / 2)) * 1.08;
  const direction = new THREE.Vector3(1.0, 0.55, 1.25).normalize();
  camera.position.copy(sphere.center).addScaledVector(direction, distance);
  camera.near = distance / 100;
  camera.far = distance * 100;
  camera.updateProjectionMatrix();
  controls.target.copy(sphere.center);
  controls.update();
  render();
}

function clearModel() {
  for (const child of [...model.children]) {
    model.remove(child);
    child.geometry.dispose();
    child.material.dispose();
  }
}

const GREY = '#b9bdc6';

function meshMaterial(color) {
  return new THREE.MeshStandardMaterial({ color, roughness: 0.85, metalness: 0, flatShading: true, side: THREE.DoubleSide });
}

const DOT = (() => {  // a round sprite, so that points draw as discs rather than squares
  const canvas = Object.assign(document.createElement('canvas'), { width: 64, height: 64 });
  const context = canvas.getContext('2d');
  context.fillStyle = '#fff';
  context.beginPath();
  context.arc(32, 32, 30, 0, 2 * Math.PI);
  context.fill();
  return new THREE.CanvasTexture(canvas);
})();

function pointMaterial(color) {
  return new THREE.PointsMaterial({ color, size: state.pointSize, sizeAttenuation: true, map: DOT, alphaTest: 0.5 });
}

// --------------------------------------------------------------------------------------------- state

const state = {
  shape: null,        // the /api/shapes answer, with decoded positions (Float32Array) and faces (Uint32Array)
  result: null,       // the /api/segment answer, with decoded labels, scores, faceLabels
  partObjects: [],    // per part: the three.js object drawing it (null when the part is empty)
  partItems: [],      // per part: the original face (mesh) or drawn point (cloud) of each drawn element
  pointSize: 0.01,
  presets: [],        // the /api/presets groups
  maxUploadMB: null,  // the server's upload limit
  busy: false,
  timings: {},        // milliseconds: upload -> shape drawn, segment request -> coloured view (read by tests)
};
window.patchalign3d = state;

async function decode(base64, ArrayType) {
  const response = await fetch(`data:application/octet-stream;base64,${base64}`);
  return new ArrayType(await response.arrayBuffer());
}

function setUpAxis(up) {
  model.rotation.set(up === 'z' ? -Math.PI / 2 : 0, 0, 0);
  model.updateMatrixWorld(true);
}

function showGreyShape() {
  clearModel();
  const { positions, faces } = state.shape;
  const position = new THREE.BufferAttribute(positions, 3);
  const geometry = new THREE.BufferGeometry();
  geometry.setAttribute('position', position);
  if (faces) {
    geometry.setIndex(new THREE.BufferAttribute(faces, 1));
    model.add(new THREE.Mesh(geometry, meshMaterial(GREY)));
  } else {
    model.add(new THREE.Points(geometry, pointMaterial(GREY)));
  }
  state.partObjects = [];
  state.partItems = [];
}

function showParts() {
  clearModel();
  const { positions, faces } = state.shape;
  const { faceLabels, labels, colors } = state.result;
  const position = new THREE.BufferAttribute(positions, 3);
  const perElement = faces ? faceLabels : labels;
  const members = colors.map(() => []);
  perElement.forEach((label, i) => members[label].push(i));
  state.partItems = members.map((list) => Uint32Array.from(list));
  state.partObjects = state.partItems.map((items, part) => {
    if (items.length === 0) return null;
    const geometry = new THREE.BufferGeometry();
    let object;
    if (faces) {
      geometry.setAttribute('position', position);
      const index = new Uint32Array(items.length * 3);
      items.forEach((face, j) => index.set(faces.subarray(3 * face, 3 * face + 3), 3 * j));
      geometry.setIndex(new THREE.BufferAttribute(index, 1));
      object = new THREE.Mesh(geometry, meshMaterial(colors[part]));
    } else {
      const subset = new Float32Array(items.length * 3);
      items.forEach((point, j) => subset.set(positions.subarray(3 * point, 3 * point + 3), 3 * j));
      geometry.setAttribute('position', new THREE.BufferAttribute(subset, 3));
      object = new THREE.Points(geometry, pointMaterial(colors[part]));
    }
    object.userData.part = part;
    model.add(object);
    return object;
  });
  applyVisibility();
}

function applyVisibility() {
  const hidden = state.result?.hidden ?? new Set();
  state.partObjects.forEach((object, part) => { if (object) object.visible = !hidden.has(part); });
  render();
}

// ------------------------------------------------------------------------------------------- hovering

const raycaster = new THREE.Raycaster();
const pointer = new THREE.Vector2();
let hoverQueued = null;

ui.canvas.addEventListener('pointermove', (event) => {
  hoverQueued = event;
  requestAnimationFrame(() => { if (hoverQueued) { hover(hoverQueued); hoverQueued = null; } });
});
ui.canvas.addEventListener('pointerleave', () => { ui.tooltip.hidden = true; markLegend(-1); });

function hover(event) {
  const visible = state.partObjects.filter((object) => object && object.visible);
  if (!state.result || event.buttons || visible.length === 0) { ui.tooltip.hidden = true; return; }
  const rect = ui.canvas.getBoundingClientRect();
  pointer.set(((event.clientX - rect.left) / rect.width) * 2 - 1, -((event.clientY - rect.top) / rect.height) * 2 + 1);
  raycaster.setFromCamera(pointer, camera);
  raycaster.params.Points.threshold = state.pointSize * 0.6;
  const hit = raycaster.intersectObjects(visible, false)[0];
  if (!hit) { ui.tooltip.hidden = true; markLegend(-1); return; }
  const part = hit.object.userData.part;
  let vertex;  // the drawn vertex / point whose scores are shown
  if (state.shape.faces) {
    const local = model.worldToLocal(hit.point.clone());
    const corners = [hit.face.a, hit.face.b, hit.face.c];
    const p = state.shape.positions;
    const distance = (v) => (p[3 * v] - local.x) ** 2 + (p[3 * v + 1] - local.y) ** 2 + (p[3 * v + 2] - local.z) ** 2;
    vertex = corners.reduce((best, v) => (distance(v) < distance(best) ? v : best));
  } else {
    vertex = state.partItems[part][hit.index];
  }
  showTooltip(event.clientX - rect.left, event.clientY - rect.top, part, vertex);
  markLegend(part);
}

function showTooltip(x, y, part, vertex) {
  const { part_names: names, colors, scores } = state.result;
  const count = names.length;
  const row = scores.subarray(vertex * count, (vertex + 1) * count);
  const ranked = [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, 4);
  ui.tooltip.replaceChildren();
  const head = document.createElement('div');
  head.className = 'head';
  head.append(swatch(colors[part]), names[part]);
  ui.tooltip.append(head);
  for (const p of ranked) {
    const line = document.createElement('div');
    line.className = p === part ? 'row top' : 'row';
    line.append(Object.assign(document.createElement('span'), { textContent: names[p] }),
      Object.assign(document.createElement('span'), { textContent: row[p].toFixed(3) }));
    ui.tooltip.append(line);
  }
  ui.tooltip.hidden = false;
  const { offsetWidth: width, offsetHeight: height } = ui.tooltip;  // keep it inside the view
  ui.tooltip.style.left = `${x + 14 + width > ui.view.clientWidth ? x - width - 14 : x + 14}px`;
  ui.tooltip.style.top = `${y + 14 + height > ui.view.clientHeight ? y - height - 14 : y + 14}px`;
}

function markLegend(part) {
  [...ui.legend.children].forEach((item, i) => item.classList.toggle('hovered', i === part));
}

// --------------------------------------------------------------------------------------------- panel

function swatch(color) {
  const span = document.createElement('span');
  span.className = 'swatch';
  span.style.background = color;
  return span;
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = !message;
}

function setBusy(busy, message) {
  state.busy = busy;
  ui.segment.classList.toggle('busy', busy && message.startsWith('Segmenting'));
  ui.segment.disabled = busy || !state.shape;
  ui.status.textContent = message;
}

async function api(url, options) {
  const response = await fetch(url, options);
  let body;
  try { body = await response.json(); } catch { body = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function partNames() {
  return ui.parts.value.split(/[,\n]/).map((name) => name.trim()).filter((name) => name.length > 0);
}

const number = (n) => n.toLocaleString('en-US');

async function uploadShape(file) {
  if (!file || state.busy) return;
  showError('');
  if (state.maxUploadMB && file.size > state.maxUploadMB * 1024 * 1024) {  // the server would refuse it too
    showError(`${file.name}: ${(file.size / 1024 / 1024).toFixed(1)} MB is larger than the server's limit of ` +
      `${state.maxUploadMB} MB (patchalign3d serve --max-upload-mb)`);
    return;
  }
  setBusy(true, `Reading ${file.name}…`);
  const start = performance.now();
  const form = new FormData();
  form.append('shape', file);
  try {
    const shape = await api('/api/shapes', { method: 'POST', body: form });
    shape.positions = await decode(shape.positions, Float32Array);
    shape.faces = shape.kind === 'mesh' ? await decode(shape.faces, Uint32Array) : null;
    state.shape = shape;
    state.result = null;
    const box = new THREE.Box3().setFromArray(shape.positions);
    const spacing = 1.0 / Math.sqrt(shape.num_drawn);  // about the gap between points on a surface, per unit size
    state.pointSize = box.getSize(new THREE.Vector3()).length() * Math.min(Math.max(spacing, 0.002), 0.016);
    ui.results.hidden = true;
    ui.empty.hidden = true;
    ui.dropText.replaceChildren(Object.assign(document.createElement('strong'), { textContent: shape.name }),
      document.createElement('br'), 'drop or click for another file');
    ui.shapeInfo.textContent = shape.kind === 'mesh'
      ? `mesh · ${number(shape.num_vertices)} vertices · ${number(shape.num_faces)} faces`
      : `point cloud · ${number(shape.num_vertices)} points` +
        (shape.num_drawn < shape.num_vertices ? ` (${number(shape.num_drawn)} drawn)` : '');
    ui.shapeInfo.hidden = false;
    setUpAxis(ui.up.value);
    showGreyShape();
    frameShape();
    state.timings.upload = performance.now() - start;
    setBusy(false, '');
  } catch (error) {
    setBusy(false, '');
    showError(error.message);
    return;
  }
  if (partNames().length) await segment();
}

async function segment() {
  if (!state.shape || state.busy) return;
  showError('');
  setBusy(true, 'Segmenting…');
  const start = performance.now();
  try {
    const result = await api('/api/segment', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ shape_id: state.shape.shape_id, parts: partNames(), up: ui.up.value, assign: ui.assign.value }),
    });
    result.labels = await decode(result.labels, Uint16Array);
    result.scores = await decode(result.scores, Float32Array);
    result.faceLabels = result.face_labels ? await decode(result.face_labels, Uint16Array) : null;
    result.hidden = new Set();
    state.result = result;
    setUpAxis(result.up);
    showParts();
    showLegend();
    state.timings.segment = performance.now() - start;
    setBusy(false, `Segmented in ${result.seconds.toFixed(2)} s · shown in ${(state.timings.segment / 1000).toFixed(2)} s`);
  } catch (error) {
    setBusy(false, '');
    showError(error.message);
  }
}

function showLegend() {
  const { part_names: names, colors, shares, downloads } = state.result;
  ui.shareOf.textContent = state.shape.kind === 'mesh' ? 'share of the surface' : 'share of the points';
  ui.legend.replaceChildren(...names.map((name, part) => {
    const item = document.createElement('li');
    const toggle = Object.assign(document.createElement('input'), { type: 'checkbox', checked: true });
    toggle.setAttribute('aria-label', `show ${name}`);
    const label = Object.assign(document.createElement('span'), { className: 'part-name', textContent: name, title: name });
    const bar = document.createElement('div');
    bar.className = 'bar';
    const fill = document.createElement('span');
    fill.style.width = `${(100 * shares[part]).toFixed(1)}%`;
    fill.style.background = colors[part];
    bar.append(fill);
    const share = Object.assign(document.createElement('span'), { className: 'share', textContent: `${(100 * shares[part]).toFixed(1)}%` });
    item.append(toggle, swatch(colors[part]), label, bar, share);
    const flip = () => {
      if (state.result.hidden.has(part)) state.result.hidden.delete(part); else state.result.hidden.add(part);
      toggle.checked = !state.result.hidden.has(part);
      item.classList.toggle('off', !toggle.checked);
      applyVisibility();
    };
    toggle.addEventListener('click', (event) => { event.stopPropagation(); flip(); });
    item.addEventListener('click', flip);
    return item;
  }));
  ui.downloads.replaceChildren(...downloads.map(({ label, url }) => Object.assign(
    document.createElement('a'), { href: url, textContent: label, download: url.split('/').pop() })));
  ui.results.hidden = false;
}

// ------------------------------------------------------------------------------------------- wiring

ui.file.addEventListener('change', () => { uploadShape(ui.file.files[0]); ui.file.value = ''; });
ui.drop.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); ui.file.click(); }
});
ui.segment.addEventListener('click', segment);
ui.parts.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); segment(); }
});
ui.preset.addEventListener('change', () => {
  const [group, index] = ui.preset.value.split(':').map(Number);
  if (Number.isNaN(index)) return;
  ui.parts.value = state.presets[group].presets[index].parts.join(', ');
  if (state.shape) segment();
});
ui.up.addEventListener('change', () => {
  if (!state.shape) return;
  setUpAxis(ui.up.value);
  frameShape();
  if (state.result) segment();
});
ui.assign.addEventListener('change', () => { if (state.result) segment(); });
ui.resetView.addEventListener('click', frameShape);

let dragDepth = 0;
document.addEventListener('dragenter', (event) => { event.preventDefault(); dragDepth += 1; document.body.classList.add('dragging'); });
document.addEventListener('dragleave', () => { dragDepth -= 1; if (dragDepth <= 0) document.body.classList.remove('dragging'); });
document.addEventListener('dragover', (event) => event.preventDefault());
document.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  document.body.classList.remove('dragging');
  uploadShape(event.dataTransfer.files[0]);
});

async function loadPresets() {
  try {
    const info = await api('/api/presets');
    state.presets = info.presets;
    state.maxUploadMB = info.max_upload_mb;
    info.presets.forEach((group, g) => {
      const optgroup = Object.assign(document.createElement('optgroup'), { label: group.group });
      group.presets.forEach((preset, i) => optgroup.append(Object.assign(document.createElement('option'),
        { value: `${g}:${i}`, textContent: `${preset.name}: ${preset.parts.join(', ')}` })));
      ui.preset.append(optgroup);
    });
    ui.file.accept = info.formats.join(',');
    ui.assign.value = info.default_assign;
    ui.drop.title = `${info.formats.join(' ')}, up to ${info.max_upload_mb} MB`;
    ui.modelInfo.textContent = `model: ${info.model} · text: ${info.text_encoder} · files up to ${info.max_upload_mb} MB`;
  } catch (error) {
    showError(error.message);
  }
}

loadPresets();
resize();
