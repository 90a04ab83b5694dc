// Media library uploads over tus 1.0 (docs/media.md, "Resumable uploads over tus"), for the form marked data-upload:
// - several files at once, chosen or dropped, each with its own progress bar;
// - chunks of a few MiB, each appended at the offset the server holds (PATCH with Upload-Offset) and sent with
//   its SHA-256 in Upload-Checksum when the browser can hash (secure contexts), so a chunk damaged on the way is
//   refused (460) and sent again;
// - a failed chunk is retried with exponential backoff after asking the server for its offset (HEAD), so a broken
//   connection costs at most one chunk;
// - the upload URL is kept in localStorage under the file's name, size and date: after a page reload, choosing the
//   same file again continues where it stopped;
// - the chunk that completes the upload answers the new media item's id (Twincast-Media-Id).
// Without this script the form posts one file to /console/media/upload.

export const CHUNK = 4 * 1024 * 1024;
const MAX_ATTEMPTS = 8;
const PARALLEL = 2;
const TUS = { 'Tus-Resumable': '1.0.0' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The localStorage key of a file's upload. */
export function keyOf(partner, file) {
  return `twincast-upload:${partner}:${file.name}:${file.size}:${file.lastModified}`;
}

/** base64 of a string's UTF-8 bytes (tus metadata values). */
function b64(text) {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** `sha256 <base64>` of a blob, or null where the browser cannot hash (not a secure context). */
async function checksum(blob) {
  if (!globalThis.crypto || !crypto.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  let bin = '';
  for (const b of digest) bin += String.fromCharCode(b);
  return `sha256 ${btoa(bin)}`;
}

async function problem(res) {
  try {
    const p = await res.json();
    return p.detail || p.title || String(res.status);
  } catch {
    return String(res.status);
  }
}

/** Uploads `file` for `partner`; `on` receives {state, loaded, total, media?, error?}. */
export async function upload(file, partner, csrf, on) {
  const headers = { 'X-CSRF-Token': csrf, ...TUS };
  const key = keyOf(partner, file);
  let url = localStorage.getItem(key);
  let offset = 0;
  const report = (state, extra = {}) => on({ state, loaded: offset, total: file.size, ...extra });
  const current = async () => {
    const res = await fetch(url, { method: 'HEAD', headers, cache: 'no-store' });
    if (!res.ok) return null;
    return Number(res.headers.get('Upload-Offset'));
  };
  if (url) {
    const at = await current().catch(() => null);
    if (at === null) {
      localStorage.removeItem(key);
      url = null;
    } else {
      offset = at;
      report('resumed');
    }
  }
  if (!url) {
    const meta = [['filename', file.name], ['partner', partner], ['filetype', file.type]]
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${b64(v)}`)
      .join(',');
    const res = await fetch('/api/v1/tus', {
      method: 'POST',
      headers: { ...headers, 'Upload-Length': String(file.size), 'Upload-Metadata': meta },
    });
    if (!res.ok) throw new Error(await problem(res));
    url = res.headers.get('Location');
    localStorage.setItem(key, url);
  }
  report('progress');
  let attempts = 0;
  for (;;) {
    const end = Math.min(offset + CHUNK, file.size);
    const chunk = file.slice(offset, end);
    const sum = await checksum(chunk);
    let res = null;
    try {
      res = await fetch(url, {
        method: 'PATCH',
        headers: {
          ...headers,
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
          ...(sum ? { 'Upload-Checksum': sum } : {}),
        },
        body: chunk,
      });
    } catch {
      res = null; // the connection broke
    }
    if (res && res.ok) {
      offset = Number(res.headers.get('Upload-Offset'));
      attempts = 0;
      const id = res.headers.get('Twincast-Media-Id');
      if (id) {
        localStorage.removeItem(key);
        const media = { id };
        report('done', { media });
        return media;
      }
      report('progress');
      continue;
    }
    // 409: another offset; 460: the chunk was damaged on the way; 400: broke off; 5xx: try again.
    if (res && ![400, 409, 460].includes(res.status) && res.status < 500) {
      if (res.status === 404 || res.status === 410) localStorage.removeItem(key);
      if (end === file.size) localStorage.removeItem(key);
      throw new Error(await problem(res));
    }
    attempts += 1;
    if (attempts > MAX_ATTEMPTS) throw new Error(res ? await problem(res) : 'network');
    report('retrying');
    await sleep(Math.min(30000, 250 * 2 ** attempts));
    const at = await current().catch(() => null);
    if (at !== null) offset = at;
  }
}

function row(list, file) {
  const li = document.createElement('li');
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = file.name;
  const bar = document.createElement('progress');
  bar.max = file.size || 1;
  bar.value = 0;
  bar.setAttribute('aria-label', file.name);
  const state = document.createElement('span');
  state.className = 'state';
  li.append(name, bar, state);
  list.append(li);
  return { li, name, bar, state };
}

function enhance(form) {
  const list = document.querySelector('[data-upload-list]');
  const input = form.querySelector('input[type=file]');
  const drop = form.querySelector('[data-drop]');
  const csrf = form.querySelector('input[name=csrf]').value;
  const msg = form.dataset;
  const queue = [];
  let running = 0;

  const pump = () => {
    while (running < PARALLEL && queue.length) {
      const { file, partner, ui } = queue.shift();
      running += 1;
      upload(file, partner, csrf, (p) => {
        ui.bar.value = p.loaded;
        ui.li.dataset.state = p.state;
        if (p.state === 'retrying') ui.state.textContent = msg.msgRetry;
        else if (p.state === 'resumed') ui.state.textContent = msg.msgResumed;
        else if (p.state === 'progress') ui.state.textContent = `${Math.floor((100 * p.loaded) / (p.total || 1))} %`;
        form.dispatchEvent(new CustomEvent('upload-progress', { bubbles: true, detail: { name: file.name, ...p } }));
      })
        .then((media) => {
          ui.state.textContent = '';
          const a = document.createElement('a');
          a.href = `/console/media/${media.id}`;
          a.textContent = msg.msgDone;
          ui.state.append(a);
        })
        .catch((e) => {
          ui.li.dataset.state = 'failed';
          ui.state.textContent = `${msg.msgFailed}: ${e.message}`;
          form.dispatchEvent(new CustomEvent('upload-failed', { bubbles: true, detail: { name: file.name, error: e.message } }));
        })
        .finally(() => {
          running -= 1;
          pump();
        });
    }
  };

  const add = (files) => {
    const partner = form.querySelector('[name=partner]').value;
    for (const file of files) queue.push({ file, partner, ui: row(list, file) });
    pump();
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    add([...input.files]);
    input.value = '';
  });
  input.addEventListener('change', () => {
    add([...input.files]);
    input.value = '';
  });
  drop.hidden = false;
  for (const type of ['dragenter', 'dragover']) {
    form.addEventListener(type, (ev) => {
      ev.preventDefault();
      drop.classList.add('over');
    });
  }
  form.addEventListener('dragleave', () => drop.classList.remove('over'));
  form.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    add([...ev.dataTransfer.files]);
  });
}

const form = document.querySelector('form[data-upload]');
if (form) enhance(form);
