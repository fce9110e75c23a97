// Times in the key list: relative ("3 minutes ago") for reading, exact for the tooltip.

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });

const UNITS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "just now", "3 minutes ago", "2 days ago"… for `date` as seen at `now`. */
export function relativeTime(date, now = new Date()) {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  // Under a minute, or slightly in the future because of clock skew.
  if (seconds < 60) return 'just now';
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return relative.format(-Math.floor(seconds / size), unit);
  }
  return 'just now';
}

/** The full date and time, with its time zone. */
export function exactTime(date) {
  return exact.format(date);
}
