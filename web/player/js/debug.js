// Debug overlay: `?debug=1` in the URL or the `d` key. Shows screen, manifest version, cache, connection, clock.

export class DebugOverlay {
  constructor(el, state) {
    this.el = el;
    this.state = state;
    this.on = new URLSearchParams(location.search).get('debug') === '1';
    this.el.hidden = !this.on;
    this.last = 0;
    addEventListener('keydown', (e) => {
      if (e.key === 'd' || e.key === 'D') this.toggle();
    });
  }

  toggle() {
    this.on = !this.on;
    this.el.hidden = !this.on;
    this.last = 0;
  }

  frame(ts) {
    if (!this.on || ts - this.last < 250) return;
    this.last = ts;
    const s = this.state();
    const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;
    const lines = [
      `screen      ${s.screen_id || '-'} ${s.screen_name ? `(${s.screen_name})` : ''}`,
      `paired      ${s.paired}   online ${s.online}   push ${s.connection}`,
      `manifest    ${s.manifest_etag || '-'}  plays ${s.manifest_plays}  ${s.manifest_from_cache ? '(from cache)' : ''}`,
      `item        ${s.item ? `${s.item.kind} ${s.item.partner || ''} ${s.item.id}` : '-'}`,
      `cache       ${mb(s.cached_bytes)} / ${mb(s.cache.wanted_bytes || 0)}  files ${s.cache.cached_files}/${s.cache.wanted_files}  ${s.cache.complete ? 'complete' : 'filling'}  evicted ${s.cache.evicted}`,
      `plays       queued ${s.queued_plays}  sent ${s.sent_plays}`,
      `clock       offset ${s.clock_offset_ms.toFixed(1)} ms  rtt ${s.clock_rtt_ms === null ? '-' : s.clock_rtt_ms.toFixed(1)} ms`,
      `frames      blank ${s.blank_frames}  late ${s.late_frames}  transitions ${s.transitions}`,
      `errors      ${s.errors.slice(-3).join(' | ') || '-'}`,
    ];
    this.el.textContent = lines.join('\n');
  }
}
