// Console enhancements (progressive: every page works without this script).
// - <time datetime> elements are shown in the page's language and, with data-tz, in that IANA time zone
//   (a screen's own zone); data-format="time" shows the time of day only.
// - Forms with data-confirm ask before they submit.

const lang = document.documentElement.lang || 'en';

export function formatTimes(root = document) {
  for (const el of root.querySelectorAll('time[datetime]')) {
    const when = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(when.getTime())) continue;
    const tz = el.dataset.tz;
    const opts = el.dataset.format === 'time'
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
      : { dateStyle: 'medium', timeStyle: 'short' };
    if (tz) opts.timeZone = tz;
    try {
      el.textContent = new Intl.DateTimeFormat(lang, opts).format(when) + (tz && el.dataset.format !== 'time' ? ` (${tz})` : '');
      el.title = el.getAttribute('datetime');
    } catch {
      // An unknown time zone keeps the server's UTC text.
    }
  }
}

function confirmForms(root = document) {
  for (const form of root.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  }
}

formatTimes();
confirmForms();
