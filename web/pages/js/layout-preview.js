// Live preview of a layout's zones: redraws the landscape and portrait frames from the form's numbers as they
// are typed. The form itself works without this script (the server draws the saved zones).
const form = document.getElementById('layout-form');
const frames = document.querySelectorAll('[data-preview]');

function zones() {
  const out = [];
  for (const row of form.querySelectorAll('[data-zone-row]')) {
    const i = row.dataset.zoneRow;
    const val = (f) => form.elements[`z${i}-${f}`]?.value ?? '';
    const name = val('name').trim();
    const num = (f) => Number.parseFloat(val(f).replace(',', '.'));
    const [x, y, w, h] = ['x', 'y', 'w', 'h'].map(num);
    if (!name || [x, y, w, h].some(Number.isNaN)) continue;
    const clamp = (v) => Math.min(100, Math.max(0, v));
    out.push({ name, x: clamp(x), y: clamp(y), w: clamp(w), h: clamp(h) });
  }
  return out;
}

function draw() {
  const zs = zones();
  const orientation = form.elements.orientation?.value;
  for (const frame of frames) {
    frame.replaceChildren(...zs.map((z) => {
      const box = document.createElement('div');
      box.className = 'zone';
      Object.assign(box.style, { left: `${z.x}%`, top: `${z.y}%`, width: `${z.w}%`, height: `${z.h}%` });
      const label = document.createElement('span');
      label.textContent = z.name;
      box.append(label);
      return box;
    }));
    frame.classList.toggle('chosen', frame.dataset.preview === orientation);
  }
}

if (form && frames.length) {
  form.addEventListener('input', draw);
  form.addEventListener('change', draw);
  draw();
}
