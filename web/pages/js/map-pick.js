// Point pickers on a map (progressive: the latitude/longitude fields work without this script).
//
// A <fieldset data-map-pick> holding inputs marked data-map-pick="lat", "lon" and optionally "radius" (km) gets a
// map drawn by the server (/console/map/view.svg?bbox=west,south,east,north): a click sets the fields, typing in
// the fields moves the marker, and with a radius the circle it covers is drawn. Zoom buttons ask the server for
// another view. The <svg> states its projection: on the bundled land shapes data-geo="west,north,k,scale"
//   x = (lon - west) * k * scale,  y = (north - lat) * scale;
// on an operator's tile server data-proj="mercator" and data-geo="x0,y0,zoom" (Web Mercator, 256-pixel tiles).

const WORLD = [-180, -60, 180, 85];
const KM_PER_DEGREE = 111.32;
const SVG_NS = 'http://www.w3.org/2000/svg';

const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const num = (input) => {
  if (!input || input.value.trim() === '') return null;
  const v = Number(input.value.trim());
  return Number.isFinite(v) ? v : null;
};

/** The view (west, south, east, north) of `half` degrees of latitude around a point, within the world. */
function around(lat, lon, half) {
  const halfLon = clamp(half / Math.max(Math.cos((lat * Math.PI) / 180), 0.2), 0.05, 180);
  return [clamp(lon - halfLon, -180, 180), clamp(lat - half, -85, 85), clamp(lon + halfLon, -180, 180), clamp(lat + half, -85, 85)];
}

/** Forward (lat, lon → x, y) and inverse projections of a map drawn by the server, or null. */
export function projector(svg) {
  const geo = (svg.dataset.geo || '').split(',').map(Number);
  if (geo.some((v) => !Number.isFinite(v))) return null;
  if (svg.dataset.proj === 'mercator') {
    if (geo.length !== 3) return null;
    const [x0, y0, z] = geo;
    const size = 256 * 2 ** z;
    return {
      fwd(la, lo) {
        const phi = (clamp(la, -85.051128, 85.051128) * Math.PI) / 180;
        return [((lo + 180) / 360) * size - x0, ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * size - y0];
      },
      inv(x, y) {
        const lo = ((x + x0) / size) * 360 - 180;
        const la = (Math.atan(Math.sinh(Math.PI * (1 - (2 * (y + y0)) / size))) * 180) / Math.PI;
        return [la, lo];
      },
    };
  }
  if (geo.length !== 4) return null;
  const [w, n, k, scale] = geo;
  return {
    fwd: (la, lo) => [(lo - w) * k * scale, (n - la) * scale],
    inv: (x, y) => [n - y / scale, w + x / (k * scale)],
  };
}

function setup(fieldset) {
  const lat = fieldset.querySelector('input[data-map-pick="lat"]');
  const lon = fieldset.querySelector('input[data-map-pick="lon"]');
  const radius = fieldset.querySelector('input[data-map-pick="radius"]');
  if (!lat || !lon) return;
  const editable = !lat.disabled && !lon.disabled;
  const d = fieldset.dataset;

  const box = document.createElement('div');
  box.className = 'pick-map';
  const bar = document.createElement('div');
  bar.className = 'pick-bar';
  const button = (label, onClick) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.addEventListener('click', onClick);
    bar.append(b);
    return b;
  };
  const canvas = document.createElement('div');
  canvas.className = 'pick-canvas';
  const help = document.createElement('p');
  help.className = 'help';
  help.textContent = editable ? d.pickHelp || '' : '';
  box.append(bar, canvas, help);
  fieldset.append(box);

  let svg = null;
  let proj = null;
  let view = WORLD;
  const here = () => {
    const la = num(lat);
    const lo = num(lon);
    return la !== null && lo !== null && Math.abs(la) <= 90 && Math.abs(lo) <= 180 ? [la, lo] : null;
  };
  const halfSpan = () => (view[3] - view[1]) / 2;

  function drawMarker() {
    if (!svg) return;
    svg.querySelector('g.pick')?.remove();
    const p = here();
    if (!p) return;
    const g = document.createElementNS(SVG_NS, 'g');
    g.setAttribute('class', 'pick');
    const [x, y] = proj.fwd(p[0], p[1]);
    const r = num(radius);
    if (r !== null && r > 0) {
      const dLat = r / KM_PER_DEGREE;
      const dLon = dLat / Math.max(Math.cos((p[0] * Math.PI) / 180), 0.01);
      const ring = document.createElementNS(SVG_NS, 'ellipse');
      ring.setAttribute('cx', x.toFixed(1));
      ring.setAttribute('cy', y.toFixed(1));
      ring.setAttribute('ry', Math.abs(proj.fwd(clamp(p[0] + dLat, -89, 89), p[1])[1] - y).toFixed(1));
      ring.setAttribute('rx', Math.abs(proj.fwd(p[0], p[1] + dLon)[0] - x).toFixed(1));
      ring.setAttribute('class', 'pick-area');
      g.append(ring);
    }
    const dot = document.createElementNS(SVG_NS, 'circle');
    dot.setAttribute('cx', x.toFixed(1));
    dot.setAttribute('cy', y.toFixed(1));
    dot.setAttribute('r', '6');
    dot.setAttribute('class', 'pick-dot');
    g.append(dot);
    svg.append(g);
  }

  async function load(next) {
    view = next;
    const width = Math.round(clamp(canvas.clientWidth || 640, 280, 1200));
    const url = `/console/map/view.svg?bbox=${view.map((v) => v.toFixed(4)).join(',')}&width=${width}`;
    try {
      const res = await fetch(url, { credentials: 'same-origin' });
      if (!res.ok) return;
      canvas.innerHTML = await res.text();
    } catch {
      return; // The fields still work.
    }
    svg = canvas.querySelector('svg');
    if (!svg) return;
    svg.setAttribute('aria-label', d.pickLabel || svg.getAttribute('aria-label') || '');
    proj = projector(svg);
    if (!proj) {
      svg = null;
      return;
    }
    if (editable) {
      svg.style.cursor = 'crosshair';
      svg.addEventListener('click', (ev) => {
        const pt = svg.createSVGPoint();
        pt.x = ev.clientX;
        pt.y = ev.clientY;
        const m = svg.getScreenCTM();
        if (!m) return;
        const p = pt.matrixTransform(m.inverse());
        const [la, lo] = proj.inv(p.x, p.y);
        lon.value = clamp(lo, -180, 180).toFixed(5);
        lat.value = clamp(la, -90, 90).toFixed(5);
        for (const input of [lat, lon]) input.dispatchEvent(new Event('change', { bubbles: true }));
      });
    }
    drawMarker();
  }

  const centre = () => here() || [(view[1] + view[3]) / 2, (view[0] + view[2]) / 2];
  button(d.zoomIn || '+', () => {
    const [la, lo] = centre();
    load(around(la, lo, Math.max(halfSpan() / 2, 0.02)));
  });
  button(d.zoomOut || '−', () => {
    const [la, lo] = centre();
    const half = halfSpan() * 2;
    load(half >= 70 ? WORLD : around(la, lo, half));
  });
  button(d.zoomWorld || '⌂', () => load(WORLD));

  for (const input of [lat, lon, radius]) input?.addEventListener('change', drawMarker);
  for (const input of [lat, lon, radius]) input?.addEventListener('input', drawMarker);

  const start = here();
  const r = num(radius);
  load(start ? around(start[0], start[1], Math.max(r ? (r / KM_PER_DEGREE) * 2.5 : 0, 4)) : WORLD);
}

for (const fieldset of document.querySelectorAll('fieldset[data-map-pick]')) setup(fieldset);
